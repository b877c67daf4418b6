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
 * - **Join.** Its parents are the derived ids `<foreach task id>-0` .. `-<width - 1>`, so it needs no read-back: a
 *   command in the task writes them, in split order, to a file it passes with `--input-paths-filename` (as Metaflow's
 *   Argo compiler does; a hundred thousand ids exceed the 128 KiB Linux allows one argument or environment string).
 *   The width comes from the state machine (`MFCDK_FOREACH_WIDTH`, the fan-out's reading of the cardinality).
 *   Metaflow's join reads `DynamoDB`'s unordered set instead, so its inputs arrive in the set's order, unlike its
 *   local runtime's.
 * - **Join set.** The last body task still adds its id to a DynamoDB set (Metaflow's code is unchanged), but under a
 *   key per block of `JOIN_SET_BLOCK` splits (`METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN`, exported by the
 *   prelude), so no item grows with the width; the fan-out Lambda creates those items with the foreach item's `ttl`.
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
  /** The join's: the foreach's width (a string, from `$.ForeachWidth` of the join's input). */
  width: 'MFCDK_FOREACH_WIDTH',
} as const;

/** Where the join's input (the Pass before it) carries the foreach's width as a string. */
export const FOREACH_WIDTH_PATH = '$.ForeachWidth';

/** The file a wide join's input paths go to (in the task's working directory). */
export const INPUT_PATHS_FILE = 'mfcdkinputs';

/** DynamoDB's item size limit: 400 KB, where DynamoDB counts 1 KB as 1,024 bytes. */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;

/** Length of a Batch job id (a UUID): the foreach task's id, the key of its item and the prefix of every derived body task id. */
export const BATCH_JOB_ID_LENGTH = 36;

/**
 * Bytes of a DynamoDB number: DynamoDB documents "1 byte per two significant digits, plus 1" (leading and trailing
 * zeros trimmed); it stores the digits as base-100 pairs aligned on the decimal point, so an odd run of digits that
 * starts on an odd position costs a pair more (110 is `1|10`: 3 bytes, not 2). This is the encoding dynalite
 * reproduces; it is never below the documented figure, so a width that fits by it fits DynamoDB.
 */
export function dynamoDbNumberBytes(value: number): number {
  if (value === 0) return 1;
  let digits = String(Math.abs(value));
  const exponent = digits.length - 1;
  digits = digits.replace(/0+$/, '');
  return 1 + Math.ceil(digits.length / 2) + (digits.length % 2 === 1 || exponent % 2 === 1 ? 0 : 1) + (value < 0 ? 1 : 0);
}

/** The largest `ttl` Metaflow writes (epoch seconds: ten digits until the year 2286). */
const TTL_MAX_BYTES = dynamoDbNumberBytes(9_999_999_999);

/**
 * Size of the item Metaflow's foreach task puts for `width` splits (`step_functions_internal`, unchanged):
 * `pathspec` (its job id), `for_each_cardinality` (the number set "0".."width-1") and `ttl`. Attribute names count.
 */
export function metaflowCardinalityItemBytes(width: number, foreachTaskIdLength = BATCH_JOB_ID_LENGTH): number {
  let bytes = 'pathspec'.length + foreachTaskIdLength + 'for_each_cardinality'.length + 'ttl'.length + TTL_MAX_BYTES;
  for (let i = 0; i < width; i++) bytes += dynamoDbNumberBytes(i);
  return bytes;
}

function widest(limit: number): number {
  let bytes = metaflowCardinalityItemBytes(0);
  let width = 0;
  while (bytes + dynamoDbNumberBytes(width) <= limit) bytes += dynamoDbNumberBytes(width++);
  return width;
}

/**
 * The widest array-job foreach of a Python flow: Metaflow's foreach task writes its cardinality as one DynamoDB item
 * (400 KB) and nothing else bounds it (body task ids are derived, the join's inputs are not read back). A wider
 * foreach fails Metaflow's PutItem in the foreach task; the state machine checks the width again before any body job.
 */
export const METAFLOW_ARRAY_FOREACH_MAX_WIDTH = widest(DYNAMODB_ITEM_MAX_BYTES);

/** Why a foreach wider than the ceiling fails, and the way out (the foreach task's last words; the `MetaflowForeachTooWide` Fail state's Cause). */
export function metaflowForeachTooWideCause(flow: string, foreach: string): string {
  const max = METAFLOW_ARRAY_FOREACH_MAX_WIDTH.toLocaleString('en-US');
  return `foreach step "${foreach}" of flow "${flow}" produced more than ${max} splits, the most Metaflow's foreach task can record as its cardinality in one 400 KB DynamoDB item; no body job was started. Split the list over a nested foreach (an outer foreach over chunks, each an inner foreach of at most ${max} items), or iterate over batches of items in each task.`;
}

/** What DynamoDB answers Metaflow's PutItem of a cardinality past the ceiling (botocore prints the operation before it). */
export const ITEM_TOO_LARGE_MESSAGE = 'Item size has exceeded the maximum allowed size';

/**
 * A foreach task's check after it failed: when its log holds DynamoDB's refusal of Metaflow's cardinality PutItem,
 * it adds `metaflowForeachTooWideCause` to the task's stderr and Metaflow's log. The log is written by Metaflow's
 * `mflog.tee` process beside the task, so the check waits up to 5 s for the refusal to reach it.
 */
export function foreachTooWideCheckCommand(flow: string, foreach: string): string {
  // JSON is a Python string literal; the single quotes of the message would end the shell's quoting.
  const message = JSON.stringify(`metaflow-cdk: ${metaflowForeachTooWideCause(flow, foreach)}`).replace(/'/g, '\\u0027');
  const code = [
    'import os, sys, time',
    'p = os.environ.get("MFLOG_STDERR", "")',
    `refused = lambda: os.path.exists(p) and all(s in open(p, errors="replace").read() for s in ("PutItem", "${ITEM_TOO_LARGE_MESSAGE}"))`,
    'hit = any(refused() or time.sleep(0.5) for _ in range(10))',
    `hit and [sys.stderr.write(${message} + "\\n"), open(p, "a").write(${message} + "\\n")]`,
  ];
  return `python -c '${code.join('; ')}'`;
}

/**
 * Splits per join-set item: the last body task of split i adds its id (Metaflow's unchanged UpdateItem) to the item
 * `<foreach task id>-joins-<floor(i / 100)>`, which the fan-out Lambda creates beforehand with the foreach item's
 * `ttl`. Such an item stays under 5 KB (5 write units per update, where one item for every split would grow to
 * megabytes and cost up to 400 units per update).
 */
export const JOIN_SET_BLOCK = 100;

/** Key of the join-set item of split block `block` of the foreach task `foreachTaskId`. */
export function joinSetKey(foreachTaskId: string, block: number | string): string {
  return `${foreachTaskId}-joins-${block}`;
}

/** Bytes of a full join-set item: key, `ttl` and `JOIN_SET_BLOCK` derived ids (`<foreach id>-<index>`, widest index). */
export function joinSetItemBytes(width: number, foreachTaskIdLength = BATCH_JOB_ID_LENGTH): number {
  const blocks = Math.ceil(width / JOIN_SET_BLOCK);
  const key = 'pathspec'.length + foreachTaskIdLength + '-joins-'.length + String(Math.max(blocks - 1, 0)).length;
  const ids = Math.min(width, JOIN_SET_BLOCK) * (foreachTaskIdLength + 1 + String(Math.max(width - 1, 0)).length);
  return key + 'ttl'.length + TTL_MAX_BYTES + 'parent_task_ids_for_foreach_join'.length + ids;
}

/** The foreach whose array-job body holds `step`, and the step's position in the body. */
export interface ArrayBodyStep {
  readonly foreach: string;
  /** First body step (after the foreach): takes `--split-index`. */
  readonly first: boolean;
  /** Last body step (before the join): adds its id to a join set. @default false */
  readonly last?: boolean;
}

/**
 * The exports that make an array child look like a Map iteration to Metaflow (see above), run before anything else
 * in the job. Bash expands a whole `export` line before assigning, so the derived values come in a second line.
 */
export function arrayBodyPrelude(body: ArrayBodyStep): string[] {
  const e = ARRAY_FOREACH_ENV;
  const derived = `\${${e.splitParent}}-\${${e.index}}`;
  const joinSet = body.last === true ? [`METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN=${joinSetKey(`\${${e.splitParent}}`, `$((${e.index}/${JOIN_SET_BLOCK}))`)}`] : [];
  return [
    `export ${e.batchJobId}=$AWS_BATCH_JOB_ID ${e.index}=$((${e.offset}+\${AWS_BATCH_JOB_ARRAY_INDEX:-0}))`,
    [`export AWS_BATCH_JOB_ID=${derived}`, body.first ? `METAFLOW_SPLIT_INDEX=$${e.index}` : `METAFLOW_PARENT_TASK_ID=${derived}`, ...joinSet].join(' '),
  ];
}

/**
 * The join's command in place of Metaflow's `set_batch_environment parent_tasks`: writes `--input-paths` (compressed
 * as Metaflow's, `sfn-<run>/<last step>/:<id>,<id>,...`) with the derived parent ids in split order to `file`.
 */
export function derivedJoinInputsCommand(lastBodyStep: string, file: string): string {
  const e = ARRAY_FOREACH_ENV;
  return (
    `python -c 'import os; e = os.environ; p = e["METAFLOW_SPLIT_PARENT_TASK_ID"]; ` +
    `open("${file}", "w").write("sfn-%s/${lastBodyStep}/:" % e["METAFLOW_RUN_ID"] + ",".join("%s-%d" % (p, i) for i in range(int(e["${e.width}"]))))'`
  );
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
  if (isForeachJoin(graph, node) && strategies[closedSplitOf(graph, node)!.name] === 'array-job') {
    return {
      inputPathsFile: INPUT_PATHS_FILE,
      joinInputsCommand: derivedJoinInputsCommand(node.inFuncs[0], INPUT_PATHS_FILE),
      envOverrides: { [ARRAY_FOREACH_ENV.width]: FOREACH_WIDTH_PATH },
    };
  }
  return {};
}
