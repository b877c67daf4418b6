/**
 * The join of a foreach that runs as Metaflow's inline Map gets its inputs in split order, as under Metaflow's local
 * runtime (`[i.x for i in inputs]` is the order of the foreach list). Metaflow's own deployment reads the join's
 * parents from a DynamoDB string set, whose order is arbitrary; its code inside the tasks stays unchanged here too:
 *
 * - The Map returns, per iteration, the job id its last body state carries (Metaflow's task id of the last body
 *   task, also under a retry envelope). Step Functions keeps a Map's results in the order of its items, and each item
 *   is the split index Metaflow's foreach task put in its number set (in DynamoDB's order, not split order).
 * - A DynamoDB PutItem state stores both lists as JSON strings under `<foreach task id>-join-order`, with the `ttl` of
 *   the foreach's own item: the ids would pass the 8,192 characters of a Batch job's overrides.
 * - The join's command (in place of Metaflow's `set_batch_environment parent_tasks`) reads that item with Metaflow's
 *   own AWS client, pairs each id with its split index, and writes the input paths in split order to a file it passes
 *   with `--input-paths-filename`.
 *
 * Each split costs about 55 bytes in the state payload (256 KiB): about 4,500 splits, past the 25,000 history events
 * that bound an inline Map first (about 3,000 body tasks).
 */

import type { FlowGraph } from '../../graph/analyze';
import { INPUT_PATHS_FILE } from './array-foreach';
import type { MetaflowStepCommandOptions } from './command';
import { closedSplitOf, isForeachJoin } from './step-protocol';

/** Suffix of the item holding an inline-Map foreach's join order, after the foreach task's id. */
export const JOIN_ORDER_KEY_SUFFIX = '-join-order';

/** Where the Map puts its results (one `{JobId}` per iteration, with `Step` when the last step varies, in item order). */
export const JOIN_PARENTS_PATH = '$.JoinParents';

/** Where the foreach's cardinality read puts the item (Metaflow's `ResultPath`). */
const CARDINALITY_ITEM = '$.Result.Item';

/** Attributes of the join-order item. */
export const JOIN_ORDER_ATTRIBUTES = { taskIds: 'join_task_ids', splitIndexes: 'join_split_indexes' } as const;

/** Key of the join-order item of the foreach task `foreachTaskId`. */
export function joinOrderKey(foreachTaskId: string): string {
  return `${foreachTaskId}${JOIN_ORDER_KEY_SUFFIX}`;
}

/** `#<child>`'s projection: the cardinality and the `ttl` the join-order item takes over (`ttl` is a reserved word). */
export const CARDINALITY_PROJECTION = { ProjectionExpression: 'for_each_cardinality, #ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } } as const;

/** The PutItem state between the Map and the join's input: both lists of the Map, in the Map's item order. */
export function joinOrderState(table: string, next: string, partition = 'aws') {
  return {
    Type: 'Task',
    Comment: "the join's parents with their split indexes, in the Map's item order; the join sorts them",
    Resource: `arn:${partition}:states:::dynamodb:putItem`,
    Parameters: {
      TableName: table,
      Item: {
        pathspec: { 'S.$': `States.Format('{}${JOIN_ORDER_KEY_SUFFIX}', $.JobId)` },
        [JOIN_ORDER_ATTRIBUTES.taskIds]: { 'S.$': `States.JsonToString(${JOIN_PARENTS_PATH})` },
        [JOIN_ORDER_ATTRIBUTES.splitIndexes]: { 'S.$': `States.JsonToString(${CARDINALITY_ITEM}.for_each_cardinality.NS)` },
        ttl: { 'N.$': `${CARDINALITY_ITEM}.ttl.N` },
      },
    },
    ResultPath: null,
    Next: next,
  } as const;
}

/**
 * The join's command in place of Metaflow's `set_batch_environment parent_tasks`: reads the join-order item with
 * Metaflow's AWS client and table setting and writes `--input-paths` in split order to `file`:
 * `sfn-<run>/<last step>/:<id>,<id>,...`, or, when a switch in the body picks the last step (`lastBodySteps` names
 * several), `sfn-<run>:/<step>/<id>,...` with each step as its Map result names it. It fails when the lists disagree
 * in length.
 */
export function orderedJoinInputsCommand(lastBodySteps: readonly string[], file: string): string {
  const a = JOIN_ORDER_ATTRIBUTES;
  const paths = lastBodySteps.length === 1
    ? `"sfn-%s/${lastBodySteps[0]}/:" % e["METAFLOW_RUN_ID"] + ",".join(t["JobId"] for _, t in parents)`
    : '"sfn-%s:" % e["METAFLOW_RUN_ID"] + ",".join("/%s/%s" % (t["Step"], t["JobId"]) for _, t in parents)';
  const code = [
    'import json, os',
    'from metaflow.metaflow_config import SFN_DYNAMO_DB_TABLE',
    'from metaflow.plugins.aws.aws_client import get_aws_client',
    'e = os.environ',
    `key = e["METAFLOW_SPLIT_PARENT_TASK_ID"] + "${JOIN_ORDER_KEY_SUFFIX}"`,
    'item = get_aws_client("dynamodb").get_item(TableName=SFN_DYNAMO_DB_TABLE, Key={"pathspec": {"S": key}}, ConsistentRead=True)["Item"]',
    `tasks = json.loads(item["${a.taskIds}"]["S"])`,
    `indexes = [int(i) for i in json.loads(item["${a.splitIndexes}"]["S"])]`,
    'assert len(tasks) == len(indexes), "%d join parents for %d splits in %s" % (len(tasks), len(indexes), key)',
    'parents = sorted(zip(indexes, tasks), key=lambda p: p[0])',
    `open("${file}", "w").write(${paths})`,
  ];
  return `python -c '${code.join('; ')}'`;
}

/** Command options of the join of an inline-Map foreach (any foreach that does not run as array jobs). */
export function inlineForeachJoinOptions(graph: FlowGraph, step: string, strategies: Readonly<Record<string, string>>): MetaflowStepCommandOptions {
  const node = graph.nodes.get(step)!;
  if (!isForeachJoin(graph, node) || strategies[closedSplitOf(graph, node)!.name] === 'array-job') return {};
  return { inputPathsFile: INPUT_PATHS_FILE, joinInputsCommand: orderedJoinInputsCommand(node.inFuncs, INPUT_PATHS_FILE) };
}
