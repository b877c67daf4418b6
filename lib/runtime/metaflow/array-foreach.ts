import type { FlowGraph } from '../../graph/analyze';
import type { MetaflowStepCommandOptions } from './command';
import { closedSplitOf, isForeachJoin } from './step-protocol';

/**
 * A Metaflow foreach whose body is a chain can run as Batch array jobs (one per body step per chunk of splits) instead
 * of Metaflow's inline Map, whose iterations share the execution's 25,000-event history. The Metaflow step must still
 * see what the Map would give it (`metaflow-sfn-protocol.md` §2.4-2.6, §4):
 *
 * - **Task id.** Metaflow's task id is `$AWS_BATCH_JOB_ID`, and an array child's is `<array job id>:<index>`; `:` is
 *   the separator of Metaflow's compressed input paths (`prefix:suffix1,suffix2`, `util.decompress_list`), so the join
 *   would break. Each body task first exports a derived id `<split parent task id>-<split index>` as
 *   `AWS_BATCH_JOB_ID` (the real one stays in `MFCDK_BATCH_JOB_ID`), before `MF_PATHSPEC` and every Metaflow command:
 *   the `--task-id`, the log path, and the id Metaflow's `step_functions_internal` adds to the join's DynamoDB set.
 *   It is deterministic, so a Batch retry of a child keeps its task id, as Metaflow needs.
 * - **Split index** = the chunk's first index (`$.Index`, a string as the Map's item is) + `AWS_BATCH_JOB_ARRAY_INDEX`
 *   (absent for a one-split foreach, which runs as plain jobs).
 * - **Parent task id** of a later body step is the derived id of the step before, computed the same way.
 * - **Join.** It reads its parents from DynamoDB as Metaflow's does, then passes them in a file
 *   (`--input-paths-filename`, as Metaflow's Argo compiler does): thousands of ids exceed the 128 KiB Linux allows one
 *   argument or environment string.
 */

/** Variables an array-job body task gets beyond Metaflow's, and the ones its prelude exports. */
export const ARRAY_FOREACH_ENV = {
  /** The chunk's first split index (`$.Index`). */
  offset: 'MFCDK_SPLIT_OFFSET',
  /** The foreach task's id (`split_parent_task_id_<foreach>`). */
  splitParent: 'MFCDK_SPLIT_PARENT_TASK_ID',
  /** Exported by the prelude: the task's split index. */
  index: 'MFCDK_SPLIT_INDEX',
  /** Exported by the prelude: the Batch job id (`<array job id>:<index>` for an array child). */
  batchJobId: 'MFCDK_BATCH_JOB_ID',
} as const;

/** The file a wide join's input paths go to (in the task's working directory). */
export const INPUT_PATHS_FILE = 'mfcdkinputs';

/** DynamoDB's item size limit. */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;

/** Length of a Batch job id (a UUID): the foreach task's id, a prefix of every derived body task id. */
export const BATCH_JOB_ID_LENGTH = 36;

/**
 * Size of the DynamoDB item Metaflow keeps for one foreach of `width` splits: `pathspec`, `ttl`, the cardinality
 * (number set "0".."width-1") the foreach task puts, and the set of derived parent ids (`<foreach id>-<index>`) each
 * last body task adds. Numbers count at most one byte per two digits plus one, as DynamoDB documents.
 */
export function metaflowForeachItemBytes(width: number, foreachTaskIdLength = BATCH_JOB_ID_LENGTH): number {
  let bytes = 'pathspec'.length + foreachTaskIdLength + 'ttl'.length + 21 + 'for_each_cardinality'.length + 'parent_task_ids_for_foreach_join'.length;
  for (let i = 0; i < width; i++) {
    const digits = String(i).length;
    bytes += Math.ceil(digits / 2) + 1 + foreachTaskIdLength + 1 + digits;
  }
  return bytes;
}

function widest(limit: number): number {
  let width = 0;
  while (metaflowForeachItemBytes(width + 1) <= limit) width++;
  return width;
}

/**
 * The widest array-job foreach of a Metaflow flow: Metaflow's runtime keeps the cardinality and every body task's id
 * in one DynamoDB item (400 KB). The state machine fails a wider foreach before starting its body.
 */
export const METAFLOW_ARRAY_FOREACH_MAX_WIDTH = widest(DYNAMODB_ITEM_MAX_BYTES);

/** The foreach whose array-job body holds `step`, and the step's position in the body. */
export interface ArrayBodyStep {
  readonly foreach: string;
  /** First body step (after the foreach): takes `--split-index`. */
  readonly first: boolean;
}

/**
 * The exports that make an array child look like a Map iteration to Metaflow (see above), run before anything else
 * in the job. Bash expands a whole `export` line before assigning, so the derived values come in a second line.
 */
export function arrayBodyPrelude(body: ArrayBodyStep): string[] {
  const e = ARRAY_FOREACH_ENV;
  const derived = `\${${e.splitParent}}-\${${e.index}}`;
  return [
    `export ${e.batchJobId}=$AWS_BATCH_JOB_ID ${e.index}=$((${e.offset}+\${AWS_BATCH_JOB_ARRAY_INDEX:-0}))`,
    `export AWS_BATCH_JOB_ID=${derived} ${body.first ? `METAFLOW_SPLIT_INDEX=$${e.index}` : `METAFLOW_PARENT_TASK_ID=${derived}`}`,
  ];
}

/** Command options of an array-job body step: the prelude, and the variables it reads (JSONPaths of the chunk input). */
export function arrayBodyStepOptions(body: ArrayBodyStep): MetaflowStepCommandOptions {
  return {
    prelude: arrayBodyPrelude(body),
    envOverrides: {
      [ARRAY_FOREACH_ENV.offset]: '$.Index',
      [ARRAY_FOREACH_ENV.splitParent]: body.first ? '$.SplitParentTaskId' : `$.Parameters.split_parent_task_id_${body.foreach}`,
    },
  };
}

/** Command options of a step given its foreach strategies: array body steps and joins of array-job foreaches. */
export function arrayForeachStepOptions(graph: FlowGraph, step: string, strategies: Readonly<Record<string, string>>, bodies: ReadonlyMap<string, ArrayBodyStep>): MetaflowStepCommandOptions {
  const body = bodies.get(step);
  if (body !== undefined) return arrayBodyStepOptions(body);
  const node = graph.nodes.get(step)!;
  if (isForeachJoin(graph, node) && strategies[closedSplitOf(graph, node)!.name] === 'array-job') return { inputPathsFile: INPUT_PATHS_FILE };
  return {};
}
