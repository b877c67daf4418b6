// Helpers for generic steps (the runtime contract in docs/readme/45-runtime-contract.md): where this task writes its
// artifacts, where its inputs are, its parameters, and the foreach width record. Only @aws-sdk/client-s3 is needed.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const env = process.env;
const s3 = new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) });

function required(name) {
  const value = env[name];
  if (value === undefined) throw new Error(`${name} is not set: run this script as a metaflow-cdk step`);
  return value;
}

/** What the state machine and the entry script told this task. */
export const task = {
  flow: required('MF_FLOW_NAME'),
  step: required('MF_STEP_NAME'),
  runId: required('MF_RUN_ID'),
  taskId: required('MF_TASK_ID'),
  retryCount: Number(env.MF_RETRY_COUNT ?? '0'),
  splitIndex: env.MF_SPLIT_INDEX === undefined ? undefined : Number(env.MF_SPLIT_INDEX),
  bucket: required('MF_DATASTORE_BUCKET'),
  prefix: env.MF_DATASTORE_PREFIX ?? '',
  parameters: JSON.parse(env.MF_PARAMETERS || '{}'),
  trigger: env.MF_TRIGGER_KEY ? { bucket: env.MF_TRIGGER_BUCKET, key: env.MF_TRIGGER_KEY } : undefined,
};

/** `MF_INPUT_PATHS` as a list of `<step>/<task id>`; a join's `<step>/<id>-*` expands to MF_SPLIT_WIDTH tasks. */
export function inputPaths() {
  const raw = env.MF_INPUT_PATHS ?? '';
  if (raw.trim() === '') return [];
  const width = Number(env.MF_SPLIT_WIDTH ?? '0');
  return raw.split(',').flatMap((item) => (item.endsWith('-*') ? Array.from({ length: width }, (_, i) => `${item.slice(0, -1)}${i}`) : [item]));
}

function key(pathspec, name) {
  return [task.prefix, task.flow, task.runId, pathspec, name].filter((p) => p !== '').join('/');
}

/** Writes an artifact of this task as JSON. */
export async function writeArtifact(name, value) {
  await s3.send(new PutObjectCommand({ Bucket: task.bucket, Key: key(`${task.step}/${task.taskId}`, `${name}.json`), Body: JSON.stringify(value) }));
}

/** Reads an artifact of another task of this run (`pathspec` is `<step>/<task id>`). */
export async function readArtifact(pathspec, name) {
  const out = await s3.send(new GetObjectCommand({ Bucket: task.bucket, Key: key(pathspec, `${name}.json`) }));
  return JSON.parse(await out.Body.transformToString());
}

/** A foreach step records how many splits it makes; the fan-out Lambda reads this. */
export async function writeForeachWidth(width) {
  await s3.send(new PutObjectCommand({ Bucket: task.bucket, Key: key(`${task.step}/${task.taskId}`, '_foreach.json'), Body: JSON.stringify({ width }) }));
}

/** Runs a step body and exits non-zero on failure, so Batch (or the local engine) sees the failure. */
export function step(body) {
  body().then(
    () => process.exit(0),
    (error) => {
      console.error(`step ${task.step} task ${task.taskId} failed:`, error);
      process.exit(1);
    },
  );
}
