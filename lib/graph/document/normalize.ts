import { FlowDocument, ParameterSpec, S3TriggerSpec, ScheduleSpec, StepSettings, StepSpec } from '../model';

/**
 * Compiles only when `keys` lists every field of `T`, so a field added to the model cannot be silently dropped
 * by normalization (the schema test then asks for it in the published schema too).
 */
function allKeys<T>() {
  return <const K extends ReadonlyArray<keyof T>>(keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })): K =>
    keys;
}

const SETTINGS_KEYS = allKeys<StepSettings>()([
  'cpu', 'memory', 'gpu', 'image', 'queue', 'iamRole', 'executionRole', 'sharedMemory', 'maxSwap', 'swappiness',
  'inferentia', 'trainium', 'efa', 'useTmpfs', 'tmpfsTempdir', 'tmpfsSize', 'tmpfsPath', 'ephemeralStorage',
  'awsBatchTags', 'logDriver', 'logOptions', 'privileged', 'retry', 'timeoutSeconds', 'catch', 'secrets',
  'environment', 'command',
]);
const STEP_KEYS = allKeys<StepSpec>()(['name', 'start', 'end', 'next', 'foreach', 'numParallel', 'parallel', 'switch', 'join', 'doc', ...SETTINGS_KEYS, 'source']);
const DOCUMENT_KEYS = allKeys<FlowDocument>()([
  '$schema', 'version', 'name', 'doc', 'runtime', 'defaults', 'parameters', 'schedule', 'triggers', 'maxWorkers',
  'maxNumSplits', 'workflowTimeoutSeconds', 'tags', 'steps',
]);
const PARAMETER_KEYS = allKeys<ParameterSpec>()(['name', 'type', 'default', 'required', 'integer', 'help', 'source']);
const SCHEDULE_KEYS = allKeys<ScheduleSpec>()(['cron', 'rate', 'hourly', 'daily', 'weekly', 'timezone', 'source']);
const TRIGGER_KEYS = allKeys<S3TriggerSpec>()(['bucket', 'prefix', 'suffix', 'parameters', 'source']);

/** The fields of each object of a flow document, in the order normalization writes them. */
export const FLOW_DOCUMENT_FIELDS = {
  document: DOCUMENT_KEYS,
  step: STEP_KEYS,
  settings: SETTINGS_KEYS,
  parameter: PARAMETER_KEYS,
  schedule: SCHEDULE_KEYS,
  trigger: TRIGGER_KEYS,
} as const;

/** Copies `keys` in that order, dropping undefined values and keys not listed. */
function pick<T extends object>(value: T, keys: ReadonlyArray<keyof T>): T {
  const out: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

function settings<T extends StepSettings>(value: T, keys: ReadonlyArray<keyof T>): T {
  return pick(value, keys);
}

/**
 * The canonical form of a flow document: keys in a fixed order, undefined fields dropped, `next` always present.
 * Two documents of the same flow normalize to the same JSON, whichever tool wrote them.
 */
export function normalizeFlowDocument(doc: FlowDocument): FlowDocument {
  const normalized: FlowDocument = {
    ...doc,
    ...(doc.defaults ? { defaults: settings(doc.defaults, SETTINGS_KEYS) } : {}),
    ...(doc.parameters ? { parameters: doc.parameters.map((p) => pick(p, PARAMETER_KEYS)) } : {}),
    ...(doc.schedule ? { schedule: pick(doc.schedule, SCHEDULE_KEYS) } : {}),
    ...(doc.triggers ? { triggers: doc.triggers.map((t) => pick(t, TRIGGER_KEYS)) } : {}),
    steps: doc.steps.map((s) => settings({ ...s, next: s.next ?? [] }, STEP_KEYS)),
  };
  return pick(normalized, DOCUMENT_KEYS);
}

/** The document as JSON text (2-space indent, trailing newline). */
export function formatFlowDocument(doc: FlowDocument): string {
  return `${JSON.stringify(normalizeFlowDocument(doc), null, 2)}\n`;
}
