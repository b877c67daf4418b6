/**
 * The runtime contract of a generic step: every environment variable a step container receives, where its value
 * comes from, and the files a step writes that the state machine reads. The compiler, the step entry script,
 * the local engine, the example steps and docs/flows.md all read this one table.
 */

export type EnvSource =
  /** Set once in the job definition: the same for every run. */
  | 'job-definition'
  /** Set by the state machine in ContainerOverrides (per step, per run or per task). */
  | 'state-machine'
  /** Computed inside the container by the step entry script from what Batch sets. */
  | 'entry-script';

export interface EnvVarDoc {
  readonly name: string;
  readonly source: EnvSource;
  readonly description: string;
  /** When the variable is present; absent means always. */
  readonly when?: string;
}

export const STEP_ENV = {
  flowName: 'MF_FLOW_NAME',
  stepName: 'MF_STEP_NAME',
  runId: 'MF_RUN_ID',
  taskId: 'MF_TASK_ID',
  retryCount: 'MF_RETRY_COUNT',
  inputPaths: 'MF_INPUT_PATHS',
  splitIndex: 'MF_SPLIT_INDEX',
  splitWidth: 'MF_SPLIT_WIDTH',
  datastoreRoot: 'MF_DATASTORE_ROOT',
  datastoreBucket: 'MF_DATASTORE_BUCKET',
  datastorePrefix: 'MF_DATASTORE_PREFIX',
  taskRoot: 'MF_TASK_ROOT',
  parameters: 'MF_PARAMETERS',
  parameterPrefix: 'MF_PARAM_',
  triggerBucket: 'MF_TRIGGER_BUCKET',
  triggerKey: 'MF_TRIGGER_KEY',
  user: 'MF_USER',
  nodeIndex: 'MF_PARALLEL_NODE_INDEX',
  numNodes: 'MF_PARALLEL_NUM_NODES',
  mainIp: 'MF_PARALLEL_MAIN_IP',
  /** Entry-script inputs (not for step code): the split parent path, the array offset, the previous body step. */
  arrayParent: 'MF_ARRAY_PARENT',
  arrayOffset: 'MF_ARRAY_OFFSET',
  arrayInputStep: 'MF_ARRAY_INPUT_STEP',
} as const;

/** Task id of every step outside a foreach. A task inside a foreach has `<parent task id>-<split index>`. */
export const TOP_LEVEL_TASK_ID = '1';

/** Object a foreach step writes under its task root; the fan-out Lambda reads `width` from it. */
export const FOREACH_RECORD_FILE = '_foreach.json';
export interface ForeachRecord {
  readonly width: number;
}

/** Object the `@catch` recorder writes under the task root of a failed step (unless `catch.var` names another). */
export const CATCH_RECORD_FILE = '_catch.json';

/** Map a parameter name to its variable: `num-items` → `MF_PARAM_NUM_ITEMS`. */
export function parameterEnvName(name: string): string {
  return `${STEP_ENV.parameterPrefix}${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** `<root>/<flow>/<run>/<step>/<task>`: where a task writes its artifacts (also `MF_TASK_ROOT`). */
export function taskRoot(datastoreRoot: string, flow: string, runId: string, step: string, taskId: string): string {
  return `${datastoreRoot.replace(/\/+$/, '')}/${flow}/${runId}/${step}/${taskId}`;
}

/**
 * `MF_INPUT_PATHS` holds comma-separated `<step>/<task id>` pathspecs relative to the run. A foreach or parallel join
 * gets one item `<step>/<parent task id>-*`, meaning tasks `-0` to `-(MF_SPLIT_WIDTH - 1)`.
 */
export function expandInputPaths(inputPaths: string, splitWidth?: number): string[] {
  if (inputPaths.trim() === '') return [];
  return inputPaths.split(',').flatMap((item) => {
    if (!item.endsWith('-*')) return [item];
    const width = splitWidth ?? 0;
    const stem = item.slice(0, -1);
    return Array.from({ length: width }, (_, i) => `${stem}${i}`);
  });
}

export const STEP_ENV_DOCS: readonly EnvVarDoc[] = [
  { name: STEP_ENV.flowName, source: 'job-definition', description: 'flow name' },
  { name: STEP_ENV.datastoreRoot, source: 'job-definition', description: '`s3://<bucket>/<prefix>`: root of the datastore' },
  { name: STEP_ENV.datastoreBucket, source: 'job-definition', description: 'datastore bucket name' },
  { name: STEP_ENV.datastorePrefix, source: 'job-definition', description: 'key prefix of the datastore, no trailing slash' },
  { name: STEP_ENV.stepName, source: 'state-machine', description: 'step name' },
  { name: STEP_ENV.runId, source: 'state-machine', description: 'run id, `sfn-<execution name>`' },
  { name: STEP_ENV.user, source: 'state-machine', description: 'who started the run (execution input `User`)' },
  {
    name: STEP_ENV.taskId,
    source: 'state-machine',
    description: `task id, stable across retries: \`${TOP_LEVEL_TASK_ID}\` outside a foreach, \`<parent task id>-<split index>\` inside one`,
  },
  {
    name: STEP_ENV.retryCount,
    source: 'state-machine',
    description: 'user retries so far (0 on the first attempt); in array-job foreach bodies, Batch attempts minus 1',
  },
  {
    name: STEP_ENV.inputPaths,
    source: 'state-machine',
    description: 'comma-separated `<step>/<task id>` of the parent tasks; a foreach join gets `<step>/<task id>-*` (see MF_SPLIT_WIDTH); empty on the start step',
  },
  { name: STEP_ENV.splitIndex, source: 'state-machine', description: 'index of this task in the innermost enclosing foreach', when: 'inside a foreach or on a parallel node' },
  { name: STEP_ENV.splitWidth, source: 'state-machine', description: 'number of tasks a `-*` input path stands for', when: 'foreach and parallel joins' },
  { name: STEP_ENV.taskRoot, source: 'entry-script', description: '`<MF_DATASTORE_ROOT>/<flow>/<run>/<step>/<task>`: where the task writes its artifacts' },
  { name: STEP_ENV.parameters, source: 'state-machine', description: 'JSON object of every parameter with a value (defaults applied)' },
  {
    name: `${STEP_ENV.parameterPrefix}<NAME>`,
    source: 'state-machine',
    description: 'one parameter, upper-cased, `-` → `_`; strings raw, numbers and booleans as text, json as JSON',
    when: 'parameters that have a default or are required',
  },
  { name: STEP_ENV.triggerBucket, source: 'state-machine', description: 'bucket of the S3 object that started the run, else empty' },
  { name: STEP_ENV.triggerKey, source: 'state-machine', description: 'key of the S3 object that started the run, else empty' },
  { name: STEP_ENV.nodeIndex, source: 'entry-script', description: 'node index of a multi-node parallel step (0 = main)', when: 'parallel steps' },
  { name: STEP_ENV.numNodes, source: 'entry-script', description: 'number of nodes', when: 'parallel steps' },
  { name: STEP_ENV.mainIp, source: 'entry-script', description: 'private IPv4 address of the main node', when: 'parallel steps' },
];
