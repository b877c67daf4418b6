import type { FlowGraph, GraphNode } from '../../graph/analyze';
import { TERMINATE_REASON } from '../naming';
import { METAFLOW_HOST_CAUSE_PATTERN } from './host-retry';
import type { MetaflowEnvEntry } from './environment';
import { isSplitJoin, retriesOf } from './step-protocol';

/**
 * The retry envelope of a Metaflow step: the state machine, not Batch, decides whether a failed job is tried again.
 *
 * Metaflow retries inside Batch (`RetryStrategy.Attempts`), which cannot wait between attempts, so it ignores
 * `@retry(minutes_between_retries=M)` on Step Functions (`metaflow-sfn-protocol.md` §2.7). A step whose flow file
 * writes M > 0 runs each attempt as its own Batch job and the state machine loops: Task → Catch → Choice (attempts
 * left?) → Wait M minutes → the Task again. Metaflow's step still sees one task: every job after the first exports
 * the first job's id as `AWS_BATCH_JOB_ID` and continues `AWS_BATCH_JOB_ATTEMPT` from the carried retry count
 * before anything of Metaflow's runs (`MF_PATHSPEC`, `--task-id`, `--retry-count`), so `@catch`'s fallback runs on
 * the attempts it runs on under Metaflow, and the step's output `JobId` (the next step's parent task id, the key of
 * its DynamoDB items) is that first id.
 *
 * A Catch can only add the caught error to an object, and a split-and join's input is the Parallel's array (Step
 * Functions fails the Catch with `States.ResultPathMatchFailure`), so the envelope wraps the step's input first:
 * `{ input: <Metaflow's input>, retry: {...} }`, and the Task reads Metaflow's JSONPaths under `$.input`. The same
 * envelope carries the host retries (spot reclaims) of split-and joins and of retry-delay steps.
 *
 * Host failures stay what they are for every Metaflow step (`host-retry.ts`): a fresh job that is a fresh Metaflow
 * task (new task id, retry count from 0), bounded by `hostRetries`, never spending `@retry` attempts nor waiting.
 */

/** Carried between the jobs of one step; `retryCount` is `count` as the string Batch environments need. */
export interface MetaflowRetryState {
  /** The Metaflow task id the next job takes, `""` until the first job has failed. */
  readonly taskId: string;
  /** 1 once `taskId` holds the first job's id (indexes `[own job id, taskId]`). */
  readonly carried: 0 | 1;
  /** Retry count of the next job. */
  readonly count: number;
  readonly retryCount: string;
  /** Fresh jobs after host failures. */
  readonly hosts: number;
}

export const METAFLOW_RETRY_INITIAL: MetaflowRetryState = { taskId: '', carried: 0, count: 0, retryCount: '0', hosts: 0 };

/** Where the envelope keeps Metaflow's input, the retry state, the caught error and the Task's result. */
export const METAFLOW_ENVELOPE = { input: '$.input', retry: '$.retry', failure: '$.failure', result: '$.result' } as const;

/** Variables the jobs of a retry-delay step get: the carried task id and retry count. */
export const METAFLOW_CARRIED_TASK_ID_ENV = 'MFCDK_TASK_ID';
export const METAFLOW_CARRIED_RETRY_COUNT_ENV = 'MFCDK_RETRY_COUNT';
/** The job's own Batch id and attempt, kept before the prelude replaces them. */
export const METAFLOW_BATCH_JOB_ID_ENV = 'MFCDK_BATCH_JOB_ID';
export const METAFLOW_BATCH_JOB_ATTEMPT_ENV = 'MFCDK_BATCH_JOB_ATTEMPT';

/**
 * The first commands of a retry-delay step's script, before Metaflow's `MF_PATHSPEC`/`MF_ATTEMPT` export: the first
 * job keeps its own id (`MFCDK_TASK_ID` is empty), later jobs take the first job's; the attempt continues from the
 * carried count (each job has one Batch attempt, so `AWS_BATCH_JOB_ATTEMPT` is 1 and Metaflow's
 * `$((AWS_BATCH_JOB_ATTEMPT-1))` is the carried count).
 */
export const METAFLOW_RETRY_DELAY_PRELUDE: readonly string[] = [
  `export ${METAFLOW_BATCH_JOB_ID_ENV}=$AWS_BATCH_JOB_ID ${METAFLOW_BATCH_JOB_ATTEMPT_ENV}=$AWS_BATCH_JOB_ATTEMPT`,
  `export AWS_BATCH_JOB_ID=\${${METAFLOW_CARRIED_TASK_ID_ENV}:-$AWS_BATCH_JOB_ID} AWS_BATCH_JOB_ATTEMPT=$((AWS_BATCH_JOB_ATTEMPT+${METAFLOW_CARRIED_RETRY_COUNT_ENV}))`,
];

/** The environment entries (JSONPaths into the envelope) a retry-delay job adds after Metaflow's. */
export const METAFLOW_RETRY_DELAY_ENV: readonly MetaflowEnvEntry[] = [
  { Name: METAFLOW_CARRIED_TASK_ID_ENV, 'Value.$': `${METAFLOW_ENVELOPE.retry}.taskId` },
  { Name: METAFLOW_CARRIED_RETRY_COUNT_ENV, 'Value.$': `${METAFLOW_ENVELOPE.retry}.retryCount` },
];

export interface MetaflowRetryEnvelopeNames {
  /** Pass, named as the step so every state that goes to the step enters the envelope. */
  readonly entry: string;
  /** The Batch Task. */
  readonly job: string;
  /** Pass: Metaflow's output `{ JobId, Parameters }`, with the step's Next/End. */
  readonly done: string;
  /** Choice after the catcher. */
  readonly choice: string;
  readonly host: string;
  readonly wait: string;
  readonly parse: string;
  readonly next: string;
  readonly failed: string;
}

/** Metaflow step names are Python identifiers, so `<step>.<suffix>` never collides with a step. */
export function metaflowRetryEnvelopeNames(step: string): MetaflowRetryEnvelopeNames {
  return {
    entry: step,
    job: `${step}.job`,
    done: `${step}.done`,
    choice: `${step}.retry`,
    host: `${step}.retry.host`,
    wait: `${step}.retry.wait`,
    parse: `${step}.retry.parse`,
    next: `${step}.retry.next`,
    failed: `${step}.retry.failed`,
  };
}

/** Whether a state is one the envelope adds (not the entry Pass, which carries the step's name). */
export function isMetaflowRetryEnvelopeState(name: string): boolean {
  return /^[^.]+\.(job|done|retry(\.(host|wait|parse|next|failed))?)$/.test(name);
}

/**
 * Rewrites the JSONPaths of a state's `.$` fields (plain paths and paths inside intrinsic functions) to read under
 * `base`: `$.JobId` → `$.input.JobId`, `$.[0].JobId` → `$.input.[0].JobId`, `$` → `$.input`; `$$.` context paths
 * stay.
 */
export function rebasePaths<T>(value: T, base: string = METAFLOW_ENVELOPE.input): T {
  const rebase = (path: string) => path.replace(/(^|[^$\w])\$(?=$|[.[,) ])/g, `$1${base}`);
  const visit = (v: unknown, dynamic: boolean): unknown => {
    if (typeof v === 'string') return dynamic ? rebase(v) : v;
    if (Array.isArray(v)) return v.map((item) => visit(item, false));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, visit(item, k.endsWith('.$'))]));
    return v;
  };
  return visit(value, false) as T;
}

/**
 * Causes of jobs someone ended with TerminateJob: `metaflow-cdk batch kill`/`terminate` and Metaflow's own
 * `batch kill` give these reasons. Batch does not retry a terminated job, and neither does the envelope.
 */
export const METAFLOW_TERMINATED_CAUSE_PATTERNS: readonly string[] = [
  `*"StatusReason":"${TERMINATE_REASON}*`,
  '*"StatusReason":"Metaflow initiated job termination.*',
];

export interface MetaflowRetryEnvelopeOptions {
  /** Seconds to wait before each retry; undefined: Batch keeps Metaflow's attempts and only host failures loop. */
  readonly delaySeconds?: number;
  /** Metaflow's attempts (`@retry` times + 3 for `@catch` + 1); with a delay, the jobs the loop submits at most. */
  readonly attempts: number;
  /** Fresh jobs after host failures (0: host failures are ordinary failures, as under Metaflow). */
  readonly hostRetries: number;
}

type Transition = { Next: string } | { End: true };

/**
 * The envelope states of a step: `task` is the Batch Task as Metaflow's shape has it (Parameters reading Metaflow's
 * input, `ResultSelector` of `JobId`/`Parameters`, no transition); it becomes `<step>.job` reading under `$.input`.
 */
export function metaflowRetryEnvelopeStates(step: string, task: Record<string, unknown>, transition: Transition, options: MetaflowRetryEnvelopeOptions): Record<string, Record<string, unknown>> {
  const names = metaflowRetryEnvelopeNames(step);
  const { retry, failure, result, input } = METAFLOW_ENVELOPE;
  const delayed = options.delaySeconds !== undefined;
  const hostMatch = { Variable: `${failure}.Cause`, StringMatches: METAFLOW_HOST_CAUSE_PATTERN };
  const choices: Array<Record<string, unknown>> = [];
  if (options.hostRetries > 0) {
    choices.push({ And: [hostMatch, { Variable: `${retry}.hosts`, NumericLessThan: options.hostRetries }], Next: names.host });
  }
  if (delayed) {
    // Only a job that failed (its Cause is the job, which the retry reads) is tried again; not a SubmitJob error past
    // its own Retry, and not a job someone terminated (Batch does not retry those either).
    const jobFailed = { Variable: `${failure}.Error`, StringEquals: 'States.TaskFailed' };
    const terminated = METAFLOW_TERMINATED_CAUSE_PATTERNS.map((pattern) => ({ Variable: `${failure}.Cause`, StringMatches: pattern }));
    const left = { Variable: `${retry}.count`, NumericLessThan: options.attempts - 1 };
    const rules = [jobFailed, ...terminated.map((t) => ({ Not: t })), ...(options.hostRetries > 0 ? [{ Not: hostMatch }] : []), left];
    choices.push({ And: rules, Next: names.wait });
  }
  const states: Record<string, Record<string, unknown>> = {
    [names.entry]: {
      Type: 'Pass',
      Comment: 'the retry envelope: Metaflow\'s input (an object, or a split-and join\'s array) under "input", the retry state under "retry"',
      Parameters: { 'input.$': '$', retry: { ...METAFLOW_RETRY_INITIAL } },
      Next: names.job,
    },
    [names.job]: {
      ...jobTask(task, delayed),
      Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: failure, Next: names.choice }],
      ResultPath: result,
      Next: names.done,
    },
    [names.done]: {
      Type: 'Pass',
      Comment: 'Metaflow\'s output: the task id (the first job\'s id once a job was retried) and the job parameters',
      Parameters: {
        'JobId.$': `States.ArrayGetItem(States.Array(${result}.JobId, ${retry}.taskId), ${retry}.carried)`,
        'Parameters.$': `${result}.Parameters`,
      },
      ...transition,
    },
    [names.choice]: {
      Type: 'Choice',
      Comment: delayed
        ? `a failed attempt is tried again as a new job of the same Metaflow task after ${options.delaySeconds} s, up to ${options.attempts} attempts; a lost host gives a fresh task (up to ${options.hostRetries} times)`
        : `a job whose host went away (spot reclaim) gets a fresh job, up to ${options.hostRetries} times, without spending the step's retries`,
      Choices: choices,
      Default: names.failed,
    },
    [names.failed]: { Type: 'Fail', ErrorPath: `${failure}.Error`, CausePath: `${failure}.Cause` },
  };
  if (options.hostRetries > 0) {
    states[names.host] = {
      Type: 'Pass',
      Parameters: { 'input.$': input, retry: { taskId: '', carried: 0, count: 0, retryCount: '0', 'hosts.$': `States.MathAdd(${retry}.hosts, 1)` } },
      Next: names.job,
    };
  }
  if (delayed) {
    states[names.wait] = { Type: 'Wait', Seconds: options.delaySeconds, Next: names.parse };
    // The caught Cause is the failed job as DescribeJobs returns it; its JobId is the task id on the first retry.
    states[names.parse] = { Type: 'Pass', Parameters: { 'job.$': `States.StringToJson(${failure}.Cause)` }, ResultPath: failure, Next: names.next };
    states[names.next] = {
      Type: 'Pass',
      Parameters: {
        'input.$': input,
        retry: {
          'taskId.$': `States.ArrayGetItem(States.Array(${failure}.job.JobId, ${retry}.taskId), ${retry}.carried)`,
          carried: 1,
          'count.$': `States.MathAdd(${retry}.count, 1)`,
          'retryCount.$': `States.Format('{}', States.MathAdd(${retry}.count, 1))`,
          'hosts.$': `${retry}.hosts`,
        },
      },
      Next: names.job,
    };
  }
  return states;
}

/** The Task reading under `$.input`; a retry-delay job has one Batch attempt and the carried ids in its environment. */
function jobTask(task: Record<string, unknown>, delayed: boolean): Record<string, unknown> {
  // Only Parameters read the input; ResultSelector reads the job.
  const { Catch: _catch, Next: _next, End: _end, ...rest }: Record<string, unknown> = { ...task, Parameters: rebasePaths(task.Parameters) };
  if (!delayed) return rest;
  const parameters = rest.Parameters as { RetryStrategy: unknown; ContainerOverrides: { Environment: MetaflowEnvEntry[] } };
  return {
    ...rest,
    Parameters: {
      ...parameters,
      ContainerOverrides: { ...parameters.ContainerOverrides, Environment: [...parameters.ContainerOverrides.Environment, ...METAFLOW_RETRY_DELAY_ENV.map((e) => ({ ...e }))] },
      RetryStrategy: { Attempts: 1 },
    },
  };
}

/** The Task of an iteration's last step returns only its job id (and step name, `withStep`); for an envelope, the `done` Pass does. */
export function narrowToJobId(state: Record<string, unknown>, options: { withStep?: boolean } = {}): void {
  if (state.Type === 'Task') {
    state.ResultSelector = { 'JobId.$': '$.JobId', ...(options.withStep === true ? { 'Step.$': '$.Parameters.step_name' } : {}) };
  } else if (state.Type === 'Pass' && (state.Parameters as Record<string, unknown> | undefined)?.['JobId.$'] !== undefined) {
    const { 'Parameters.$': parameters, ...jobId } = state.Parameters as Record<string, unknown>;
    state.Parameters = options.withStep === true ? { ...jobId, 'Step.$': `${String(parameters)}.step_name` } : jobId;
  }
}

/**
 * Whether a step runs in the envelope, and how: a retry delay when the flow file writes `minutes_between_retries`
 * > 0 on a step that retries (`explicitDelayMinutes`; a bare `@retry` keeps Metaflow's shape), host retries when
 * they are on and Metaflow's shape cannot carry them (a split-and join's array input, or a retry-delay step).
 */
export function metaflowRetryEnvelopeOf(graph: FlowGraph, node: GraphNode, explicitDelayMinutes: number | undefined, hostRetries: number): MetaflowRetryEnvelopeOptions | undefined {
  const { attempts, maxUserCodeRetries } = retriesOf(node);
  const delayed = explicitDelayMinutes !== undefined && explicitDelayMinutes > 0 && maxUserCodeRetries > 0;
  const arrayInput = isSplitJoin(graph, node);
  if (delayed) return { delaySeconds: Math.round(explicitDelayMinutes * 60), attempts, hostRetries };
  if (arrayInput && hostRetries > 0) return { attempts, hostRetries };
  return undefined;
}
