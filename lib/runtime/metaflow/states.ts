import { createHash } from 'crypto';

/**
 * The state shapes around Metaflow steps that its in-task code depends on (`metaflow-sfn-protocol.md` §2.2-2.3):
 * what a Batch task passes on, how a foreach reads its cardinality from DynamoDB, and what each Map iteration and the
 * foreach join receive. The compiler places them; it may go beyond them (array jobs, distributed maps) as long as each
 * Metaflow step still receives `JobId`, `Parameters`, `SplitParentTaskId` and `Index` where these shapes put them.
 */

/** Metaflow's Task `OutputPath`: keep the Batch job id and job parameters, the only channel between states. */
export const METAFLOW_TASK_OUTPUT_PATH = "$.['JobId', 'Parameters', 'Index', 'SplitParentTaskId']";

/**
 * The same selection as a `ResultSelector`, for engines whose JSONPath cannot select several keys (the local
 * engine): a `submitJob.sync` result holds no `Index` or `SplitParentTaskId`, so the output is identical.
 */
export const METAFLOW_TASK_RESULT_SELECTOR = { 'JobId.$': '$.JobId', 'Parameters.$': '$.Parameters' } as const;

/** The `Retry` Metaflow puts on every Batch Task: SubmitJob throttling only; task failures retry inside Batch. */
export const METAFLOW_SUBMIT_RETRY = [
  { ErrorEquals: ['Batch.AWSBatchException'], BackoffRate: 2, IntervalSeconds: 2, MaxDelaySeconds: 60, MaxAttempts: 10, JitterStrategy: 'FULL' },
] as const;

/** `#<child>`: reads the foreach's cardinality, which the foreach task wrote under its job id. */
export function metaflowCardinalityState(table: string, next: string, partition = 'aws') {
  return {
    Type: 'Task',
    Resource: `arn:${partition}:states:::dynamodb:getItem`,
    Parameters: { TableName: table, Key: { pathspec: { 'S.$': '$.JobId' } }, ConsistentRead: true, ProjectionExpression: 'for_each_cardinality' },
    ResultPath: '$.Result',
    Next: next,
  } as const;
}

/**
 * `*<child>`: the inline Map over the cardinality. Each iteration gets the foreach job id as `JobId` (its input
 * paths) and `SplitParentTaskId`, the run's `Parameters`, and its split index as `Index`; the join gets the first
 * iteration's output (`$.[0]`) and reads its parents from DynamoDB.
 */
export function metaflowForeachMapState(child: string, join: string, iteratorStates: Record<string, unknown>, maxConcurrency = 100) {
  return {
    Type: 'Map',
    MaxConcurrency: maxConcurrency,
    ItemsPath: '$.Result.Item.for_each_cardinality.NS',
    Parameters: { 'JobId.$': '$.JobId', 'SplitParentTaskId.$': '$.JobId', 'Parameters.$': '$.Parameters', 'Index.$': '$$.Map.Item.Value' },
    Next: join,
    Iterator: { StartAt: child, ProcessorConfig: { Mode: 'INLINE' }, States: iteratorStates },
    OutputPath: '$.[0]',
  } as const;
}

/** Names of the DynamoDB-read, Map and join-order states of a foreach whose first body step is `child`. */
export function metaflowForeachStateNames(child: string): { cardinality: string; map: string; joinOrder: string } {
  return { cardinality: `#${child}`, map: `*${child}`, joinOrder: `*${child}.join-order` };
}

/** The Parallel state of a static split: `sha224("&".join(out_funcs))`, short enough for any number of branches. */
export function metaflowParallelStateName(outFuncs: readonly string[]): string {
  return createHash('sha224').update(outFuncs.join('&')).digest('hex');
}
