import {
  isMetaflowHostRetryState,
  METAFLOW_HOST_CAUSE_PATTERN,
  metaflowHostRetryCatch,
  metaflowHostRetryStateNames,
  metaflowHostRetryStates,
  metaflowHostRetryStrategy,
} from '../../../../lib/runtime/metaflow/host-retry';

/** Batch's documented rule: the first entry whose every condition matches decides; no match retries. */
function batchRetries(strategy: ReturnType<typeof metaflowHostRetryStrategy>, attempt: number, outcome: { statusReason: string; reason?: string }): boolean {
  const glob = (p: string, v: string | undefined) => (v === undefined ? p === '*' : p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : v === p);
  if (attempt >= strategy.Attempts) return false;
  for (const e of strategy.EvaluateOnExit as Array<{ OnStatusReason?: string; OnReason?: string; Action: string }>) {
    if ((e.OnStatusReason === undefined || glob(e.OnStatusReason, outcome.statusReason)) && (e.OnReason === undefined || glob(e.OnReason, outcome.reason))) return e.Action === 'RETRY';
  }
  return true;
}

/** StringMatches with `*` only (no escapes in our pattern). */
function stringMatches(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(value);
}

describe('the job retry strategy', () => {
  const strategy = metaflowHostRetryStrategy(4);

  test("keeps Metaflow's attempts and lists at most Batch's 5 entries", () => {
    expect(strategy.Attempts).toBe(4);
    expect(strategy.EvaluateOnExit.length).toBeLessThanOrEqual(5);
  });

  test('a host termination ends the job on any attempt; user failures are retried until the attempts run out', () => {
    for (const attempt of [1, 2, 3]) {
      expect(batchRetries(strategy, attempt, { statusReason: 'Host EC2 (instance i-0123456789abcdef0) terminated.' })).toBe(false);
      expect(batchRetries(strategy, attempt, { statusReason: 'Essential container in task exited', reason: 'OutOfMemoryError: Container killed' })).toBe(true);
      expect(batchRetries(strategy, attempt, { statusReason: 'Essential container in task exited' })).toBe(true);
      expect(batchRetries(strategy, attempt, { statusReason: 'Job attempt duration exceeded timeout' })).toBe(true);
    }
    expect(batchRetries(strategy, 4, { statusReason: 'Essential container in task exited' })).toBe(false);
  });
});

describe('the Cause pattern', () => {
  const job = (statusReason: string, attempts: string[]) =>
    JSON.stringify({ Attempts: attempts.map((r) => ({ Container: { ExitCode: 1 }, StatusReason: r })), JobId: 'j', Status: 'FAILED', StatusReason: statusReason });

  test("matches a failed job's DescribeJobs JSON whose last attempt lost its host", () => {
    expect(stringMatches(METAFLOW_HOST_CAUSE_PATTERN, job('Host EC2 (instance i-1) terminated.', ['Host EC2 (instance i-1) terminated.']))).toBe(true);
    expect(stringMatches(METAFLOW_HOST_CAUSE_PATTERN, job('Host EC2 (instance i-1) terminated.', ['Essential container in task exited', 'Host EC2 (instance i-1) terminated.']))).toBe(true);
  });

  test('does not match user failures, timeouts or a SubmitJob error', () => {
    expect(stringMatches(METAFLOW_HOST_CAUSE_PATTERN, job('Essential container in task exited', ['Essential container in task exited']))).toBe(false);
    expect(stringMatches(METAFLOW_HOST_CAUSE_PATTERN, job('Job attempt duration exceeded timeout', ['Job attempt duration exceeded timeout']))).toBe(false);
    expect(stringMatches(METAFLOW_HOST_CAUSE_PATTERN, 'Rate exceeded (Service: Batch, Status Code: 429)')).toBe(false);
  });
});

describe('the states after the catcher', () => {
  const names = metaflowHostRetryStateNames('train');
  const states = metaflowHostRetryStates('train', 3) as Record<string, Record<string, unknown>>;

  test('the Task catches task failures next to its input and goes to the Choice', () => {
    expect(metaflowHostRetryCatch('train')).toEqual([{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.hostFailure', Next: names.choice }]);
  });

  test('the Choice sends anything but a host failure to the Fail first, then counts against the bound', () => {
    const choice = states[names.choice] as { Choices: Array<Record<string, unknown>>; Default: string };
    expect(choice.Choices.map((c) => c.Next)).toEqual([names.failed, names.first, names.again]);
    expect(choice.Choices[0]).toEqual({ Not: { Variable: '$.hostFailure.Cause', StringMatches: METAFLOW_HOST_CAUSE_PATTERN }, Next: names.failed });
    expect(choice.Choices[2]).toMatchObject({ Variable: '$.hostRetries.count', NumericLessThan: 3 });
    expect(choice.Default).toBe(names.failed);
  });

  test('both Passes go back to the Task; the Fail re-raises the caught error and cause', () => {
    expect(states[names.first]).toMatchObject({ Type: 'Pass', Result: { count: 1 }, ResultPath: '$.hostRetries', Next: 'train' });
    expect(states[names.again]).toMatchObject({ Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.hostRetries.count, 1)' }, ResultPath: '$.hostRetries', Next: 'train' });
    expect(states[names.failed]).toEqual({ Type: 'Fail', ErrorPath: '$.hostFailure.Error', CausePath: '$.hostFailure.Cause' });
  });

  test('state names never collide with a Python step name and are recognised', () => {
    for (const name of Object.values(names)) expect(isMetaflowHostRetryState(name)).toBe(true);
    expect(Object.keys(states).sort()).toEqual(Object.values(names).sort());
    expect(isMetaflowHostRetryState('train')).toBe(false);
    expect(isMetaflowHostRetryState('*train.join')).toBe(false);
  });
});
