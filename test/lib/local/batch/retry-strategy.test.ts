import { globMatches, shouldRetry } from '../../../../lib/local/batch/retry-strategy';

const spot = { statusReason: 'Host EC2 (instance i-local) terminated.' };
const exit1 = { statusReason: 'Essential container in task exited', exitCode: 1 };

describe('Batch retry strategy', () => {
  test('patterns match the whole string, or a prefix when they end with *', () => {
    expect(globMatches('Host EC2*', spot.statusReason)).toBe(true);
    expect(globMatches('Host EC2', spot.statusReason)).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('*', undefined)).toBe(true);
    expect(globMatches('1', undefined)).toBe(false);
  });

  test('attempts bound every retry; without a strategy a job runs once', () => {
    expect(shouldRetry(undefined, 1, exit1)).toBe(false);
    expect(shouldRetry({ Attempts: 3 }, 1, exit1)).toBe(true);
    expect(shouldRetry({ Attempts: 3 }, 2, exit1)).toBe(true);
    expect(shouldRetry({ Attempts: 3 }, 3, exit1)).toBe(false);
  });

  test('the first matching evaluateOnExit entry decides, in order', () => {
    const strategy = {
      Attempts: 4,
      EvaluateOnExit: [
        { OnStatusReason: 'Host EC2*', Action: 'RETRY' },
        { OnStatusReason: '*', Action: 'EXIT' },
      ],
    };
    expect(shouldRetry(strategy, 1, spot)).toBe(true);
    expect(shouldRetry(strategy, 1, exit1)).toBe(false);
    expect(shouldRetry(strategy, 4, spot)).toBe(false);
  });

  test('all conditions of an entry must match; an unmatched failure is retried; actions are case-insensitive', () => {
    const strategy = { Attempts: 2, EvaluateOnExit: [{ OnStatusReason: 'Essential*', OnExitCode: '13*', Action: 'exit' }] };
    expect(shouldRetry(strategy, 1, { ...exit1, exitCode: 137 })).toBe(false);
    expect(shouldRetry(strategy, 1, exit1)).toBe(true);
    expect(shouldRetry({ Attempts: 2, EvaluateOnExit: [{ OnReason: 'OutOfMemory*', Action: 'EXIT' }] }, 1, { ...exit1, reason: 'OutOfMemoryError: killed' })).toBe(false);
  });
});
