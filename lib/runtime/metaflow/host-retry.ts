/**
 * Spot-aware retries for a Metaflow step, which Metaflow's own compiler lacks (`metaflow-sfn-protocol.md` §2.7): Batch
 * keeps retrying user failures as Metaflow sets it up, but ends the job at once when its host went away; the state
 * machine then submits a fresh job, so the reclaim spends none of the step's `@retry` attempts and never triggers
 * `@catch`'s fallback. The fresh job is a new Metaflow task (task id = its Batch job id, retry count from attempt 1)
 * with the same input, so it sees the run id, input paths, split index and parameters the first one saw.
 */

/** Batch's status reason when the instance under a job went away (spot reclaim, retirement, scale-in). */
export const METAFLOW_HOST_STATUS_REASON = 'Host EC2*';

/**
 * Batch checks `EvaluateOnExit` in order and takes the first match; an attempt no entry matches is retried while
 * attempts remain. The `RETRY` entry spells that out for every other failure (a failure without a container reason
 * is retried all the same), so user failures keep Metaflow's attempts.
 */
export const METAFLOW_HOST_EVALUATE_ON_EXIT = [
  { OnStatusReason: METAFLOW_HOST_STATUS_REASON, Action: 'EXIT' },
  { OnReason: '*', Action: 'RETRY' },
] as const;

/**
 * A failed `submitJob.sync` task's `Cause` is the job as `DescribeJobs` returns it, as compact JSON. The host entry
 * above ends the job on the attempt the host went away, so a host status reason anywhere in it is the last attempt's.
 */
export const METAFLOW_HOST_CAUSE_PATTERN = `*"StatusReason":"${METAFLOW_HOST_STATUS_REASON}`;

/** Where the Task's catcher puts the caught error (`Error`, `Cause`) next to the Task's own input. */
export const METAFLOW_HOST_FAILURE_PATH = '$.hostFailure';

/** `{ count }`: how many fresh jobs the step has had after host failures; gone once the Task succeeds. */
export const METAFLOW_HOST_RETRIES_PATH = '$.hostRetries';

export interface MetaflowHostRetryStateNames {
  /** Choice: host failure below the bound, or anything else. */
  readonly choice: string;
  /** Pass: the first fresh job (`count` = 1). */
  readonly first: string;
  /** Pass: another fresh job (`count` + 1). */
  readonly again: string;
  /** Fail: re-raises the caught error and cause. */
  readonly failed: string;
}

/** Metaflow step names are Python identifiers, so `<step>.host...` never collides with a step. */
export function metaflowHostRetryStateNames(step: string): MetaflowHostRetryStateNames {
  return { choice: `${step}.host`, first: `${step}.host.first`, again: `${step}.host.again`, failed: `${step}.host.failed` };
}

/** Whether a state name is one of the host-retry states of some step. */
export function isMetaflowHostRetryState(name: string): boolean {
  return /^[^.]+\.host(\.first|\.again|\.failed)?$/.test(name);
}

/** The job `RetryStrategy`: Metaflow's attempts, host failures exit at once. */
export function metaflowHostRetryStrategy(attempts: number) {
  return { Attempts: attempts, EvaluateOnExit: METAFLOW_HOST_EVALUATE_ON_EXIT.map((e) => ({ ...e })) };
}

/** The `Catch` of the step's Task state (any task failure; `States.Timeout` is not a job failure). */
export function metaflowHostRetryCatch(step: string) {
  return [{ ErrorEquals: ['States.TaskFailed'], ResultPath: METAFLOW_HOST_FAILURE_PATH, Next: metaflowHostRetryStateNames(step).choice }];
}

/**
 * The states after the catcher. The Choice rules are checked in order, so the counter is only compared once a host
 * failure is known and the counter is known to be there. The Passes go back to the Task with its own input plus the
 * two keys above; the Task's `Parameters` pick only the keys Metaflow's shapes put there.
 */
export function metaflowHostRetryStates(step: string, maxHostRetries: number) {
  const names = metaflowHostRetryStateNames(step);
  const failure = METAFLOW_HOST_FAILURE_PATH;
  const retries = METAFLOW_HOST_RETRIES_PATH;
  return {
    [names.choice]: {
      Type: 'Choice',
      Comment: `a job whose host went away (spot reclaim) gets a fresh job, up to ${maxHostRetries} times, without spending the step's retries`,
      Choices: [
        { Not: { Variable: `${failure}.Cause`, StringMatches: METAFLOW_HOST_CAUSE_PATTERN }, Next: names.failed },
        // `Not IsPresent: true` rather than `IsPresent: false`, which aws-local-stepfunctions never matches.
        { Not: { Variable: retries, IsPresent: true }, Next: names.first },
        { Variable: `${retries}.count`, NumericLessThan: maxHostRetries, Next: names.again },
      ],
      Default: names.failed,
    },
    [names.first]: { Type: 'Pass', Result: { count: 1 }, ResultPath: retries, Next: step },
    [names.again]: { Type: 'Pass', Parameters: { 'count.$': `States.MathAdd(${retries}.count, 1)` }, ResultPath: retries, Next: step },
    [names.failed]: { Type: 'Fail', ErrorPath: `${failure}.Error`, CausePath: `${failure}.Cause` },
  };
}
