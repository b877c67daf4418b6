import { isThrottling, withRetry } from '../../../../lib/cli/aws/retry';
import { timing } from '../../../../lib/cli/aws/timing';
import { CliError } from '../../../../lib/cli/cli-error';
import { named } from '../harness';

beforeEach(() => {
  timing.retryBaseMs = 0;
  timing.retryAttempts = 4;
});

describe('isThrottling', () => {
  test('recognises throttling names, the SDK retryable flag and HTTP 429', () => {
    expect(isThrottling(named('ThrottlingException'))).toBe(true);
    expect(isThrottling(named('TooManyRequestsException'))).toBe(true);
    expect(isThrottling(Object.assign(named('Whatever'), { $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottling(Object.assign(named('Whatever'), { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottling(named('AccessDeniedException'))).toBe(false);
    expect(isThrottling('ThrottlingException')).toBe(false);
  });
});

describe('withRetry', () => {
  test('retries throttling until the call succeeds', async () => {
    const call = jest.fn().mockRejectedValueOnce(named('ThrottlingException')).mockRejectedValueOnce(named('Throttling')).mockResolvedValue('ok');
    await expect(withRetry('x:Y', call)).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(3);
  });

  test('gives up after retryAttempts with a message that names the API and what to do', async () => {
    const call = jest.fn().mockRejectedValue(named('ThrottlingException'));
    const error = await withRetry('batch:ListJobs', call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/AWS kept throttling batch:ListJobs after 4 attempts \(ThrottlingException\)\. Wait a minute/);
    expect(call).toHaveBeenCalledTimes(4);
  });

  test('other errors are not retried', async () => {
    const call = jest.fn().mockRejectedValue(named('ValidationException'));
    await expect(withRetry('x', call)).rejects.toThrow('ValidationException');
    expect(call).toHaveBeenCalledTimes(1);
  });

  test('backs off between attempts (exponential, capped)', async () => {
    timing.retryBaseMs = 20;
    timing.retryMaxMs = 40;
    jest.spyOn(Math, 'random').mockReturnValue(1);
    const started = Date.now();
    const call = jest.fn().mockRejectedValueOnce(named('Throttling')).mockRejectedValueOnce(named('Throttling')).mockResolvedValue(1);
    await withRetry('x', call);
    // 20 ms, then 40 ms (20 * 2, at the cap)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    jest.restoreAllMocks();
  });
});
