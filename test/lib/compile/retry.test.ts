import { batchRetryStrategy, retryDelaySeconds, userRetries } from '../../../lib/compile/retry';
import type { StepSpec } from '../../../lib/graph/model';

const stepWith = (extra: Partial<StepSpec>): StepSpec => ({ name: 's', next: [], ...extra });

describe('retries', () => {
  it('task mode: Batch retries host terminations only, every other failure exits to the state machine', () => {
    const strategy = batchRetryStrategy(stepWith({ retry: { times: 3 } }), 'task', 3);
    expect(strategy).toEqual({
      attempts: 4,
      evaluateOnExit: [
        { action: 'RETRY', onStatusReason: 'Host EC2*' },
        { action: 'EXIT', onStatusReason: '*' },
      ],
    });
  });

  it('array mode: user retries on top of the host allowance, capped at Batch 10 attempts', () => {
    expect(batchRetryStrategy(stepWith({ retry: { times: 2 } }), 'array', 3)).toEqual({ attempts: 6, evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Host EC2*' }] });
    expect(batchRetryStrategy(stepWith({ retry: { times: 4 } }), 'array', 9).attempts).toBe(10);
    expect(batchRetryStrategy(stepWith({}), 'array', 3).evaluateOnExit).toHaveLength(2);
  });

  it('reads times and minutes between retries', () => {
    expect(userRetries(stepWith({}))).toBe(0);
    expect(retryDelaySeconds(stepWith({ retry: { times: 1, minutesBetweenRetries: 2.5 } }))).toBe(150);
    expect(retryDelaySeconds(stepWith({ retry: { times: 1 } }))).toBe(0);
  });
});
