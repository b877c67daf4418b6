import type { ErrorObject } from 'ajv';
import { Problem, ValidationError } from '../../errors';
import { FlowDocument } from '../model';
import { normalizeFlowDocument } from './normalize';
import { schemaErrors } from './schema';

/**
 * Schema keywords about the shape of a document. Range, pattern and enum errors are left to `validateFlow`,
 * which explains them better (the step, the value, the allowed range and the fix).
 */
const SHAPE_KEYWORDS = new Set(['type', 'required', 'additionalProperties', 'minItems', 'oneOf', 'const']);

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function valueAt(doc: unknown, pointer: string): unknown {
  let value: unknown = doc;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function stepName(doc: unknown, pointer: string): string | undefined {
  const match = /^\/steps\/(\d+)/.exec(pointer);
  if (!match) return undefined;
  const name = (valueAt(doc, `/steps/${match[1]}`) as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Common names from other tools for fields the document spells differently. */
const ALIASES: Readonly<Record<string, string>> = { timeout: 'timeoutSeconds', retries: 'retry', env: 'environment', shm: 'sharedMemory', role: 'iamRole' };

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The allowed field closest to a misspelled one (case-insensitive, at most 2 edits), if any. */
export function closestField(unknown: string, allowed: readonly string[]): string | undefined {
  if (ALIASES[unknown] && allowed.includes(ALIASES[unknown])) return ALIASES[unknown];
  const scored = allowed
    .map((name) => ({ name, distance: editDistance(unknown.toLowerCase(), name.toLowerCase()) }))
    .filter((s) => s.distance <= Math.min(2, Math.floor(unknown.length / 2)))
    .sort((x, y) => x.distance - y.distance);
  return scored[0]?.name;
}

function toProblem(doc: unknown, source: string, error: ErrorObject): Problem {
  const name = (doc as { name?: unknown } | undefined)?.name;
  const flow = typeof name === 'string' ? `flow "${name}"` : source;
  const step = stepName(doc, error.instancePath);
  const where = step !== undefined ? `${flow} step "${step}"` : flow;
  // Inside a step the where names it, so the field is relative to the step.
  const field = pointerToField(step !== undefined ? error.instancePath.replace(/^\/steps\/\d+/, '') : error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closestField(extra, allowed);
      return {
        where,
        field: field ? `${field}.${extra}` : extra,
        value: valueAt(doc, `${error.instancePath}/${extra}`),
        message: 'unknown field',
        fix: hint ? `did you mean "${hint}"?` : 'remove it or check its spelling against schema/flow-document.schema.json',
      };
    }
    case 'required':
      return { where, field: field ? `${field}.${params.missingProperty}` : String(params.missingProperty), value: undefined, message: 'is required', fix: `add "${params.missingProperty}"` };
    case 'type':
      return { where, field: field || '(document)', value: valueAt(doc, error.instancePath), message: `must be of type ${params.type}`, fix: `write ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${params.type}` };
    case 'minItems':
      return { where, field: field || '(document)', value: valueAt(doc, error.instancePath), message: `needs at least ${params.limit} item${params.limit === 1 ? '' : 's'}`, fix: error.instancePath === '/steps' ? 'add the flow\'s steps, from start to end' : `give at least ${params.limit}` };
    case 'oneOf':
    case 'const':
      if (error.instancePath.startsWith('/runtime')) {
        return { where, field: 'runtime', value: valueAt(doc, '/runtime'), message: 'runtime is {"kind": "generic"} or {"kind": "metaflow", "flowFile", "flowClass", "directory"?, "project"?}', fix: 'fix the runtime object' };
      }
      return { where, field: field || '(document)', value: valueAt(doc, error.instancePath), message: error.message ?? 'is not allowed', fix: `use ${JSON.stringify(params.allowedValue ?? params.passingSchemas ?? '')}` };
    default:
      return { where, field: field || '(document)', value: valueAt(doc, error.instancePath), message: error.message ?? 'is not valid', fix: 'see schema/flow-document.schema.json' };
  }
}

/** Shape problems of a parsed JSON value (unknown fields, wrong types, missing fields); `[]` when it is a flow document. */
export function documentShapeProblems(value: unknown, source = 'flow document'): Problem[] {
  // A fraction where a whole number belongs is a range problem: `validateFlow` names the allowed whole numbers.
  const fractionForInteger = (e: ErrorObject) => e.keyword === 'type' && (e.params as { type?: unknown }).type === 'integer' && typeof valueAt(value, e.instancePath) === 'number';
  const errors = schemaErrors(value).filter((e) => SHAPE_KEYWORDS.has(e.keyword) && !fractionForInteger(e));
  const problems = new Map<string, Problem>();
  // oneOf under runtime reports each branch; keep one problem per field and message.
  for (const error of errors) {
    if (error.instancePath.startsWith('/runtime') && error.keyword !== 'oneOf' && errors.some((e) => e.keyword === 'oneOf' && e.instancePath === '/runtime')) continue;
    const problem = toProblem(value, source, error);
    problems.set(`${problem.where}|${problem.field}|${problem.message}`, problem);
  }
  return [...problems.values()];
}

/**
 * A flow document from parsed JSON: checks its shape against the published schema and normalizes it
 * (`next` defaults to `[]`, keys in schema order). Graph and AWS rules are `validateFlow`'s job.
 */
export function parseFlowDocument(value: unknown, source = 'flow document'): FlowDocument {
  const problems = documentShapeProblems(value, source);
  if (problems.length > 0) throw new ValidationError(problems);
  return normalizeFlowDocument(value as FlowDocument);
}

/**
 * `parseFlowDocument` of a JSON text; invalid JSON becomes a ValidationError naming the line and column. A byte order
 * mark, which some Windows editors write, is not an error.
 */
export function parseFlowDocumentJson(text: string, source = 'flow document'): FlowDocument {
  let value: unknown;
  text = text.replace(/^\uFEFF/, '');
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError([jsonSyntaxProblem(text, (error as Error).message, source)]);
  }
  return parseFlowDocument(value, source);
}

/**
 * Where `JSON.parse` stopped, as `source:line:column`, with the text of that line. Some of its messages
 * (`Unexpected token 'x', "<excerpt>" is not valid JSON`) give no position: then only the token is named.
 */
export function jsonSyntaxProblem(text: string, parserMessage: string, source: string): Problem {
  const position = /at position (\d+)/.exec(parserMessage);
  const reason = parserMessage.replace(/\s*in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '').replace(/^(Unexpected token '.*?'), .* is not valid JSON$/s, '$1');
  if (!position) {
    const token = /^Unexpected token '(.*?)'$/s.exec(reason)?.[1] ?? '';
    return { where: source, field: '(json)', value: token, message: `is not valid JSON: ${reason}`, fix: 'fix the JSON syntax at that token (a missing quote, a bare word, a comment)' };
  }
  const offset = Number(position[1]);
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[before.length - 1].length + 1;
  const lineText = text.split('\n')[line - 1]?.trim() ?? '';
  return {
    where: `${source}:${line}:${column}`,
    field: '(json)',
    value: lineText.length > 60 ? `${lineText.slice(0, 57)}...` : lineText,
    message: `is not valid JSON: ${reason}`,
    fix: 'fix the JSON syntax at that line and column (a trailing comma, a missing quote or brace)',
  };
}
