import type { GraphNode } from '../graph/analyze';
import { DEFAULT_MAX_WORKERS } from '../graph/model';
import { ARRAY_FOREACH_ENV, arrayBodyStepOptions, JOIN_SET_BLOCK, METAFLOW_ARRAY_FOREACH_MAX_WIDTH, metaflowForeachTooWideCause, type ArrayBodyStep } from '../runtime/metaflow/array-foreach';
import type { MetaflowStepCommandOptions } from '../runtime/metaflow/command';
import { METAFLOW_SUBMIT_RETRY } from '../runtime/metaflow/states';
import type { MetaflowSubmitJob } from '../runtime/metaflow/submit-job';
import { type AslStates, partitionArn } from './asl';
import { foreachBody } from './foreach-strategy';
import type { FlowPlan } from './plan';
import { LAMBDA_TRANSIENT_RETRY } from './retry';

/**
 * The states of an array-job foreach of a Metaflow flow (see `lib/runtime/metaflow/array-foreach.ts` for what the
 * tasks do): the fan-out Lambda reads the width from the cardinality item Metaflow's foreach task wrote and plans
 * array jobs in waves (at most `maxWorkers` tasks at once); a Choice fails a foreach too wide for Metaflow's DynamoDB
 * item or with no splits, runs a one-split foreach as plain jobs, and otherwise runs the waves: per chunk, one array
 * job per body step. Every body task gets the input a Map iteration of Metaflow's would (`JobId`, `SplitParentTaskId`,
 * `Parameters`, `Index` = the chunk's first split index) and keeps it (`ResultPath: null`), so the chunk flows through
 * the chain; `Parameters` already holds `split_parent_task_id_<foreach>` as the body steps' job parameters would.
 */

/** Names of the states of the array-job foreach whose first body step is `child` (`*<child>` as Metaflow's Map). */
export function metaflowArrayForeachStateNames(child: string) {
  return {
    fanout: `*${child}.fanout`,
    width: `*${child}.width`,
    tooWide: `*${child}.too-wide`,
    empty: `*${child}.empty`,
    single: `*${child}.single`,
    waves: `*${child}`,
    chunks: `*${child}.chunks`,
  };
}

/** Name of a body step's Task in the one-split path (`<step>` is its name inside the waves). */
export function metaflowSingleBodyStateName(step: string): string {
  return `${step}.single`;
}

/** The body steps of every array-job foreach of the plan, with their foreach and place. */
export function metaflowArrayBodies(plan: FlowPlan): Map<string, ArrayBodyStep> {
  const bodies = new Map<string, ArrayBodyStep>();
  for (const [foreach, strategy] of Object.entries(plan.foreachStrategies)) {
    if (strategy !== 'array-job') continue;
    foreachBody(plan.graph, plan.graph.nodes.get(foreach)!).steps.forEach((step, i, all) => bodies.set(step, { foreach, first: i === 0, last: i === all.length - 1 }));
  }
  return bodies;
}

export interface MetaflowArrayForeachInput {
  readonly plan: FlowPlan;
  readonly foreach: GraphNode;
  readonly partition: string;
  readonly fanoutFunctionArn: string;
  /** The state after the foreach (the Pass that rebuilds the join's input). */
  readonly next: string;
  /** Metaflow's submitJob parameters of a step, with extra command options. */
  submit(step: string, options: MetaflowStepCommandOptions): MetaflowSubmitJob;
}

/** `$.Parameters` with `split_parent_task_id_<foreach>` = `$.JobId`, as the first body step's job parameters. */
function parametersWithSplitParent(foreach: string): string {
  return `States.JsonMerge($.Parameters, States.StringToJson(States.Format('\\{"split_parent_task_id_${foreach}": "{}"\\}', $.JobId)), false)`;
}

/** The states from the foreach task's `Next` (`names.fanout`) to `input.next`. */
export function metaflowArrayForeachStates(input: MetaflowArrayForeachInput): AslStates {
  const { plan, foreach } = input;
  const body = foreachBody(plan.graph, foreach).steps;
  const names = metaflowArrayForeachStateNames(body[0]);
  const flow = plan.graph.document.name;
  const maxWorkers = plan.graph.document.maxWorkers ?? DEFAULT_MAX_WORKERS;
  const batch = partitionArn(input.partition, 'batch:submitJob.sync');
  const task = (step: string, i: number, array: boolean) => {
    const last = i === body.length - 1;
    const submit = input.submit(step, arrayBodyStepOptions({ foreach: foreach.name, first: i === 0, last }));
    return {
      Type: 'Task',
      Resource: batch,
      // Metaflow's attempts without the host-failure EXIT: a fresh job would rerun every child of the array job.
      Parameters: array ? { ...submit, ArrayProperties: { 'Size.$': '$.Size' }, 'DependsOn.$': '$.DependsOn' } : submit,
      Retry: METAFLOW_SUBMIT_RETRY.map((r) => ({ ...r, ErrorEquals: [...r.ErrorEquals] })),
      ResultPath: null,
      ...(last ? { End: true } : { Next: array ? body[i + 1] : metaflowSingleBodyStateName(body[i + 1]) }),
    };
  };
  const arrayTasks = Object.fromEntries(body.map((step, i) => [step, task(step, i, true)]));
  const singleTasks = Object.fromEntries(body.map((step, i) => [metaflowSingleBodyStateName(step), task(step, i, false)]));
  const width = '$.fanout.width';
  return {
    [names.fanout]: {
      Type: 'Task',
      Comment: `foreach "${foreach.name}" (array-job): the width Metaflow's foreach task wrote to DynamoDB, as waves of array jobs`,
      Resource: partitionArn(input.partition, 'lambda:invoke'),
      Parameters: {
        FunctionName: input.fanoutFunctionArn,
        Payload: { step: foreach.name, strategy: 'array-job', maxWorkers, 'runId.$': "$.Parameters['metaflow.run_id']", 'taskId.$': '$.JobId', 'jobId.$': '$.JobId', joinSetBlock: JOIN_SET_BLOCK },
      },
      ResultSelector: { 'width.$': '$.Payload.width', 'waves.$': '$.Payload.waves' },
      ResultPath: '$.fanout',
      Retry: [LAMBDA_TRANSIENT_RETRY],
      Next: names.width,
    },
    [names.width]: {
      Type: 'Choice',
      Choices: [
        { Variable: width, NumericGreaterThan: METAFLOW_ARRAY_FOREACH_MAX_WIDTH, Next: names.tooWide },
        { Variable: width, NumericLessThan: 1, Next: names.empty },
        { Variable: width, NumericEquals: 1, Next: names.single },
      ],
      Default: names.waves,
    },
    [names.tooWide]: {
      Type: 'Fail',
      Error: 'MetaflowForeachTooWide',
      Cause: metaflowForeachTooWideCause(flow, foreach.name),
    },
    [names.empty]: {
      Type: 'Fail',
      Error: 'MetaflowForeachEmpty',
      Cause: `foreach step "${foreach.name}" of flow "${flow}" recorded no splits; Metaflow's foreach refuses zero splits, so its cardinality item was not written by Metaflow's runtime.`,
    },
    [names.single]: {
      Type: 'Parallel',
      Comment: 'one split: the body as plain jobs (Batch refuses array jobs of size 1), split index 0',
      Parameters: { 'JobId.$': '$.JobId', 'SplitParentTaskId.$': '$.JobId', 'Parameters.$': parametersWithSplitParent(foreach.name), Index: '0' },
      Branches: [{ StartAt: metaflowSingleBodyStateName(body[0]), States: singleTasks }],
      ResultPath: null,
      Next: input.next,
    },
    [names.waves]: {
      Type: 'Map',
      Comment: `foreach "${foreach.name}" (array-job): waves of Batch array jobs, one per body step per chunk (${maxWorkers} max workers); body task ids are <foreach task id>-<split index> (${ARRAY_FOREACH_ENV.batchJobId} holds the Batch job id)`,
      ItemsPath: '$.fanout.waves',
      ItemSelector: { 'JobId.$': '$.JobId', 'Parameters.$': parametersWithSplitParent(foreach.name), 'chunks.$': '$$.Map.Item.Value.chunks' },
      MaxConcurrency: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: names.chunks,
        States: {
          [names.chunks]: {
            Type: 'Map',
            Comment: 'the array jobs of one wave, side by side',
            ItemsPath: '$.chunks',
            ItemSelector: {
              'JobId.$': '$.JobId',
              'SplitParentTaskId.$': '$.JobId',
              'Parameters.$': '$.Parameters',
              'Index.$': "States.Format('{}', $$.Map.Item.Value.offset)",
              'Size.$': '$$.Map.Item.Value.size',
              'DependsOn.$': '$$.Map.Item.Value.dependsOn',
            },
            ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: body[0], States: arrayTasks },
            ResultPath: null,
            End: true,
          },
        },
      },
      ResultPath: null,
      Next: input.next,
    },
  } as AslStates;
}
