import type { Problem } from '../errors';
import { isLiteral, type RawDecorator, type RawValue } from './reader-output';

/** Where in the flow file something was read: the file as the user named it, the line, and the step if any. */
export interface Site {
  readonly file: string;
  readonly step?: string;
}

export function whereOf(site: Site, line: number): string {
  return site.step === undefined ? `${site.file}:${line}` : `${site.file}:${line} step "${site.step}"`;
}

/** The JSON kinds a decorator argument may have. `number` and `integer` also accept numeric strings (`cpu="2"`). */
export type ArgKind = 'number' | 'integer' | 'boolean' | 'string' | 'stringList' | 'stringOrStringList' | 'stringMap' | 'environmentMap' | 'literal';

export interface DecoratorSpec {
  /** Arguments the importer maps, by Python name. */
  readonly args: Readonly<Record<string, ArgKind>>;
  /** Metaflow arguments metaflow-cdk cannot represent, with the reason. */
  readonly unsupported?: Readonly<Record<string, string>>;
  /** Metaflow arguments that have no effect on AWS Batch and are dropped. */
  readonly ignored?: readonly string[];
}

export const NON_LITERAL_FIX =
  'use a literal value (number, string, True/False, or a list/dict of literals): the file is read without running it; or set metaflow.deployTimeEvaluation so Metaflow evaluates the file at synth; or declare the flow with the typed builder';

/**
 * Reads a decorator's keyword arguments against its spec. Returns the literal values (Python `None` means "not given")
 * and adds one problem per non-literal, unknown, unsupported or mistyped argument.
 */
export function readDecoratorArgs(deco: RawDecorator, spec: DecoratorSpec, site: Site, problems: Problem[]): Record<string, unknown> {
  const where = whereOf(site, deco.line);
  const known = [...Object.keys(spec.args), ...(spec.ignored ?? [])];
  const values: Record<string, unknown> = {};
  deco.args.forEach((arg, index) => {
    problems.push({
      where,
      field: `@${deco.name} positional argument ${index + 1}`,
      value: valueText(arg),
      message: `@${deco.name} takes keyword arguments only`,
      fix: `name the argument (one of: ${known.join(', ')})`,
    });
  });
  for (const [name, raw] of Object.entries(deco.kwargs)) {
    const field = `@${deco.name}(${name}=...)`;
    if (name === '**') {
      problems.push({ where, field: `@${deco.name}(**...)`, value: valueText(raw), message: 'keyword arguments unpacked from a variable cannot be read without running the flow', fix: NON_LITERAL_FIX });
      continue;
    }
    const unsupported = spec.unsupported?.[name];
    if (unsupported !== undefined) {
      problems.push({ where, field, value: valueText(raw), message: unsupported, fix: `remove ${name}= from @${deco.name}, or declare the flow with the typed builder` });
      continue;
    }
    if (spec.ignored?.includes(name)) continue;
    const kind = spec.args[name];
    if (kind === undefined) {
      problems.push({ where, field, value: valueText(raw), message: `@${deco.name} has no argument "${name}"`, fix: `use one of: ${known.join(', ')}` });
      continue;
    }
    if (!isLiteral(raw)) {
      problems.push({ where, field, value: raw.nonLiteral, message: 'is not a literal value', fix: NON_LITERAL_FIX });
      continue;
    }
    if (raw.value === null) continue;
    const converted = convert(raw.value, kind);
    if (converted === undefined) {
      problems.push({ where, field, value: raw.value, message: `must be ${KIND_TEXT[kind]}`, fix: `give ${name} as ${KIND_TEXT[kind]}` });
      continue;
    }
    values[name] = converted;
  }
  return values;
}

const KIND_TEXT: Record<ArgKind, string> = {
  number: 'a number',
  integer: 'a whole number',
  boolean: 'True or False',
  string: 'a string',
  stringList: 'a list of strings',
  stringOrStringList: 'a string or a list of strings',
  stringMap: 'a dict of string keys to string values',
  environmentMap: 'a dict of names to strings, numbers or booleans',
  literal: 'a literal',
};

function convert(value: unknown, kind: ArgKind): unknown {
  switch (kind) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (typeof value === 'boolean' || !Number.isFinite(n)) return undefined;
      return kind === 'integer' && !Number.isInteger(n) ? undefined : n;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
    case 'stringOrStringList':
      // Metaflow wraps a single string in a list (batch_client.py)
      return typeof value === 'string' ? [value] : convert(value, 'stringList');
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string') ? value : undefined;
    case 'environmentMap': {
      // Metaflow sets each variable to str(value) and leaves out None (environment_decorator.py, batch_client.py)
      if (!isPlainObject(value) || !Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return undefined;
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, pythonStr(v as string | number | boolean)]));
    }
    case 'literal':
      return value;
  }
}

/** Python's `str()` of a JSON scalar: `True`, `4`, `0.5`. */
function pythonStr(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueText(raw: RawValue): unknown {
  return isLiteral(raw) ? raw.value : raw.nonLiteral;
}
