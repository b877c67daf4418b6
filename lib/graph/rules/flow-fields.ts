import { Problem } from '../../errors';
import { FLOW_DOCUMENT_VERSION, ParameterSpec, S3_TRIGGER_FIELDS, S3TriggerSpec } from '../model';
import { compact, integerIn, tagProblems } from './checks';
import { atSource, Rule } from './context';
import { MAX_RUN_SECONDS } from './resources';

export const FLOW_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Step Functions state machine names have at most 80 characters. */
export const MAX_FLOW_NAME_LENGTH = 80;
/** A Distributed Map runs at most 10,000 child executions at once. */
export const MAX_WORKERS_LIMIT = 10_000;
/** A sanity bound: wider fan-outs are a bug more often than a plan; the compiler checks its own strategy's limits. */
export const MAX_NUM_SPLITS_LIMIT = 1_000_000;
const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Flow name, version, limits, tags and S3 triggers. */
export const checkFlowFields: Rule = (ctx) => {
  const { doc, flowWhere: where } = ctx;
  const problems: Problem[] = compact([
    doc.version === FLOW_DOCUMENT_VERSION
      ? undefined
      : { where, field: 'version', value: doc.version, message: `this metaflow-cdk reads flow documents of version ${FLOW_DOCUMENT_VERSION}`, fix: `set "version": ${FLOW_DOCUMENT_VERSION}` },
    FLOW_NAME_PATTERN.test(doc.name) && doc.name.length <= MAX_FLOW_NAME_LENGTH
      ? undefined
      : { where, field: 'name', value: doc.name, message: `a flow name has 1 to ${MAX_FLOW_NAME_LENGTH} letters, digits, "_" and "-", starting with a letter`, fix: 'rename the flow, e.g. "TrainFlow"' },
    integerIn({ where, field: 'maxWorkers' }, doc.maxWorkers, 1, MAX_WORKERS_LIMIT),
    integerIn({ where, field: 'maxNumSplits' }, doc.maxNumSplits, 1, MAX_NUM_SPLITS_LIMIT),
    integerIn({ where, field: 'workflowTimeoutSeconds' }, doc.workflowTimeoutSeconds, 60, MAX_RUN_SECONDS, 'seconds'),
  ]);
  problems.push(...tagProblems(where, 'tags', doc.tags));
  (doc.triggers ?? []).forEach((trigger, i) => {
    problems.push(...s3TriggerProblems(atSource(`${where} triggers[${i}]`, trigger.source), trigger, doc.parameters ?? []));
  });
  return problems;
};

/**
 * One S3 trigger's problems. `declared` are the flow's parameters, which the trigger's may name; without them (a
 * trigger made on its own) only the mapping's values are judged.
 */
export function s3TriggerProblems(where: string, trigger: S3TriggerSpec, declared?: readonly ParameterSpec[]): Problem[] {
  const problems: Problem[] = [];
  if (typeof trigger.bucket !== 'string' || trigger.bucket.length === 0) {
    problems.push({ where, field: 'bucket', value: trigger.bucket, message: 'an S3 trigger needs the bucket to watch', fix: 'set "bucket": "<bucket name>"' });
  } else if (!trigger.bucket.includes('${Token[') && !BUCKET.test(trigger.bucket)) {
    // A bucket made in the same app has a name only at deploy (a token): nothing to judge at synth.
    problems.push({ where, field: 'bucket', value: trigger.bucket, message: 'not a valid S3 bucket name (3-63 lowercase letters, digits, "." and "-")', fix: 'use the bucket name, not an ARN or s3:// URL' });
  }
  for (const field of ['prefix', 'suffix'] as const) {
    const value = trigger[field];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.includes('*'))) {
      problems.push({ where, field, value, message: `the ${field} is a string matched literally and may not be empty or contain "*"`, fix: `remove the "*" or the empty ${field}` });
    }
  }
  problems.push(...triggerParameterProblems(where, trigger.parameters, declared));
  if (typeof trigger.prefix === 'string' && trigger.prefix.startsWith('/')) {
    problems.push({ where, field: 'prefix', value: trigger.prefix, message: 'S3 keys do not start with "/"', fix: `use "${trigger.prefix.replace(/^\/+/, '')}"` });
  }
  return problems;
}

/** A trigger may set only declared string parameters, each from the object's bucket or key. */
function triggerParameterProblems(where: string, mapping: S3TriggerSpec['parameters'], declared: readonly ParameterSpec[] | undefined): Problem[] {
  const problems: Problem[] = [];
  if (mapping !== undefined && (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))) {
    return [{ where, field: 'parameters', value: mapping, message: 'is an object of parameter names to "bucket" or "key"', fix: 'write e.g. { input_key: "key" }' }];
  }
  for (const [name, field] of Object.entries(mapping ?? {})) {
    if (!S3_TRIGGER_FIELDS.includes(field)) {
      problems.push({ where, field: `parameters.${name}`, value: field, message: 'an S3 trigger can hand a parameter only the object\'s "bucket" or "key"', fix: `map "${name}" to "bucket" or "key"` });
    }
    if (declared === undefined) continue;
    const parameter = declared.find((p) => p.name === name);
    if (parameter === undefined) {
      const names = declared.map((p) => `"${p.name}"`).join(', ');
      problems.push({ where, field: `parameters.${name}`, value: name, message: 'is not a parameter of the flow', fix: names ? `map one of ${names}, or declare Parameter("${name}")` : `declare Parameter("${name}") in the flow` });
    } else if (parameter.type !== 'string') {
      problems.push({ where, field: `parameters.${name}`, value: parameter.type, message: `parameter "${name}" is a ${parameter.type}, but the object's ${field} is a string`, fix: `declare "${name}" as a string parameter, or map a string parameter` });
    }
  }
  return problems;
}
