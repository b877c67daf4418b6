/**
 * Beyond Metaflow's Step Functions deployment, which refuses switches: a switch step's task records the step its
 * condition chose only in its `_transition` artifact, so the job copies it where the state machine can read it.
 *
 * - After Metaflow's `step` command succeeds, a command in the task reads `_transition` from the task's datastore
 *   with Metaflow's own classes and puts it in the coordination table under `<task id>-switch` (with a `ttl`, as
 *   Metaflow's foreach items have), through Metaflow's AWS client and table setting.
 * - The state machine reads that item (a consistent `dynamodb:getItem` into `$.Switch.step`) and a Choice state goes
 *   to the chosen step. The task output it passes on is unchanged, so the chosen step reads its parent from it as
 *   any step does; where alternatives meet, the parent's step name comes from `$.Parameters.step_name`.
 * - A recursive switch is a loop in the state machine: each turn is a new Batch job, hence a new task, and Metaflow's
 *   task keeps the iteration stack in its artifacts.
 */

import type { Problem } from '../../errors';
import type { FlowGraph, GraphNode } from '../../graph/analyze';
import type { MetaflowStepCommandOptions } from './command';
import type { MetaflowDeployment } from './deployment';
import { isRecursiveSwitch } from './step-protocol';

/** Suffix of the item holding a switch task's chosen step, after the task id. */
export const SWITCH_KEY_SUFFIX = '-switch';

/** The item's attribute holding the chosen step. */
export const SWITCH_CHOSEN_ATTRIBUTE = 'chosen_step';

/** Where the getItem state puts the chosen step (`$.Switch.step`). */
export const SWITCH_RESULT_PATH = '$.Switch';

/** Seconds the item lives when the flow sets no workflow timeout: Metaflow's default `ttl` for its foreach items. */
const DEFAULT_TTL_SECONDS = 366 * 24 * 60 * 60;

/** Names of the states after a switch step's task: the read of the chosen step, then the Choice. */
export function metaflowSwitchStateNames(step: string): { read: string; choice: string } {
  return { read: `${step}.chosen`, choice: `${step}.switch` };
}

/**
 * The command that runs in the switch task after Metaflow's `step`: reads `_transition` of this task (the task id in
 * `AWS_BATCH_JOB_ID`, which a retry envelope sets to the carried id) and writes the chosen step's name to DynamoDB.
 */
export function switchChoiceCommand(flow: string, step: string, datastoreRoot: string): string {
  const code = [
    'import os, sys, time',
    'from metaflow.datastore import FlowDataStore',
    'from metaflow.plugins.datastores.s3_storage import S3Storage',
    'from metaflow.metaflow_config import SFN_DYNAMO_DB_TABLE',
    'from metaflow.plugins.aws.aws_client import get_aws_client',
    'e = os.environ',
    'task = e["AWS_BATCH_JOB_ID"]',
    `fds = FlowDataStore("${flow}", storage_impl=S3Storage, ds_root="${datastoreRoot.replace(/\/+$/, '')}")`,
    `steps = fds.get_task_datastore("sfn-" + e["METAFLOW_RUN_ID"], "${step}", task)["_transition"][0]`,
    // As Metaflow's runtime: @catch's fallback on a switch step transitions to every case, which no run can follow.
    `len(steps) == 1 or sys.exit("Switch step *${step}* should transition to exactly one step at runtime, but got: %s" % ", ".join(steps))`,
    'chosen = steps[0]',
    `ttl = int(time.time()) + int(e.get("METAFLOW_SFN_WORKFLOW_TIMEOUT") or ${DEFAULT_TTL_SECONDS})`,
    `get_aws_client("dynamodb").put_item(TableName=SFN_DYNAMO_DB_TABLE, Item={"pathspec": {"S": task + "${SWITCH_KEY_SUFFIX}"}, "${SWITCH_CHOSEN_ATTRIBUTE}": {"S": chosen}, "ttl": {"N": str(ttl)}})`,
  ];
  return `python -c '${code.join('; ')}'`;
}

/** Command options of a switch step: the write of its chosen step after Metaflow's `step`. */
export function metaflowSwitchStepOptions(graph: FlowGraph, step: string, deployment: MetaflowDeployment): MetaflowStepCommandOptions {
  const node = graph.nodes.get(step)!;
  if (node.type !== 'split-switch') return {};
  return { afterStep: [switchChoiceCommand(graph.document.name, step, deployment.datastoreRoot)] };
}

/** The read of the chosen step and the Choice between the switch's steps, placed after the switch's task. */
export function metaflowSwitchStates(node: GraphNode, table: string, partition = 'aws'): Record<string, Record<string, unknown>> {
  const names = metaflowSwitchStateNames(node.name);
  const targets = [...new Set(node.outFuncs)];
  return {
    [names.read]: {
      Type: 'Task',
      Comment: `the step switch "${node.name}" chose, which its task wrote under its task id`,
      Resource: `arn:${partition}:states:::dynamodb:getItem`,
      Parameters: {
        TableName: table,
        Key: { pathspec: { 'S.$': `States.Format('{}${SWITCH_KEY_SUFFIX}', $.JobId)` } },
        ConsistentRead: true,
        ProjectionExpression: SWITCH_CHOSEN_ATTRIBUTE,
      },
      // DynamoDB throttling or a 5xx; an item that is missing fails the run at the selector instead (States.Runtime).
      Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 5 }],
      ResultSelector: { 'step.$': `$.Item.${SWITCH_CHOSEN_ATTRIBUTE}.S` },
      ResultPath: SWITCH_RESULT_PATH,
      Next: names.choice,
    },
    [names.choice]: {
      Type: 'Choice',
      Choices: targets.map((target) => ({ Variable: `${SWITCH_RESULT_PATH}.step`, StringEquals: target, Next: target })),
    },
  };
}

/**
 * A recursive switch that is the first step of a foreach body would lose its split index on the second turn: the
 * state machine hands the index to the first body step from the Map's item, and a loop turn starts from the switch's
 * own output.
 */
export function metaflowSwitchProblems(graph: FlowGraph): Problem[] {
  return [...graph.nodes.values()]
    .filter((node) => isRecursiveSwitch(node) && node.inFuncs.some((p) => graph.nodes.get(p)?.type === 'foreach'))
    .map((node) => ({
      where: `flow "${graph.document.name}" step "${node.name}"${node.step.source ? ` (${node.step.source.file}:${node.step.source.line})` : ''}`,
      field: 'self.next()',
      value: node.outFuncs,
      message: `the recursive switch ${node.name} is the first step of a foreach body, which metaflow-cdk cannot loop: a turn after the first would run without its split index`,
      fix: `add a step between the foreach ${node.inFuncs[0]} and ${node.name} (it may only call self.next(self.${node.name}))`,
    }));
}
