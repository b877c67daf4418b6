import type { Problem } from '../errors';
import { problem } from './problems';

/**
 * What a construct prop holds, as JavaScript sees it. TypeScript users cannot pass another kind; JavaScript users can,
 * and a `'false'`, an ARN where a construct belongs, or one item where a list belongs would otherwise be misread.
 */
export type PropKind =
  | 'boolean'
  | 'number'
  | 'string'
  | 'string list'
  | 'string map'
  | 'record'
  | 'object'
  | 'list'
  | 'object list'
  | 'Duration'
  | 'Size'
  | 'construct'
  | 'construct list';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPlainObject = (value: unknown): value is Record<string, unknown> => isObject(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
const isConstruct = (value: unknown): boolean => isObject(value) && isObject(value.node);
const hasMethod = (value: unknown, method: string): boolean => isObject(value) && typeof value[method] === 'function';

const CHECKS: Readonly<Record<PropKind, (value: unknown) => boolean>> = {
  boolean: (v) => typeof v === 'boolean',
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  'string list': (v) => Array.isArray(v) && v.every((item) => typeof item === 'string'),
  'string map': (v) => isPlainObject(v) && Object.values(v).every((item) => typeof item === 'string'),
  record: isPlainObject,
  object: isObject,
  list: Array.isArray,
  'object list': (v) => Array.isArray(v) && v.every(isObject),
  // aws-cdk-lib's Duration and Size, recognised by what the constructs call on them
  Duration: (v) => hasMethod(v, 'toSeconds'),
  Size: (v) => hasMethod(v, 'toMebibytes'),
  construct: isConstruct,
  'construct list': (v) => Array.isArray(v) && v.every(isConstruct),
};

const DESCRIPTIONS: Readonly<Record<PropKind, [message: string, fix: string]>> = {
  boolean: ['must be true or false', 'write true or false, without quotes'],
  number: ['must be a number', 'write the number without quotes'],
  string: ['must be a string', 'write the value in quotes'],
  'string list': ['must be a list of strings', 'write e.g. ["a", "b"], even for one item'],
  'string map': ['must be an object of string values', 'write e.g. { team: "ml" }, each value in quotes'],
  record: ['must be a plain object of names to values', 'write e.g. { alpha: 0.5 }, not a Map'],
  object: ['must be an object', 'write the options as an object, e.g. { ... }'],
  list: ['must be a list', 'write e.g. [item], even for one item'],
  'object list': ['must be a list of objects', 'write e.g. [item], even for one item, each item an object'],
  Duration: ['must be a Duration', 'write e.g. Duration.days(7) (aws-cdk-lib), not a number'],
  Size: ['must be a Size', 'write e.g. Size.gibibytes(100) (aws-cdk-lib), not a number'],
  construct: ['must be a construct, not its name or ARN', 'import it, e.g. kms.Key.fromKeyArn(this, "Key", arn) or iam.Role.fromRoleArn(this, "Role", arn)'],
  'construct list': ['must be a list of constructs, not names or ARNs', 'write e.g. [group], importing each by its ARN or id (fromXxxArn, fromXxxId)'],
};

/**
 * A prop's kind, with a fix of its own where the kind's general one would not say enough, and whether it must be set
 * (TypeScript makes it required; a JavaScript caller can leave it out).
 */
export type PropKindSpec = PropKind | { readonly kind: PropKind; readonly fix?: string; readonly required?: boolean };

/** Props whose value is not of its kind, and required props left unset; other unset props are not judged. */
export function propKindProblems(where: string, props: object | undefined, kinds: Readonly<Record<string, PropKindSpec>>): Problem[] {
  const values = (props ?? {}) as Record<string, unknown>;
  return Object.entries(kinds).flatMap(([name, spec]) => {
    const { kind, fix, required } = typeof spec === 'string' ? { kind: spec, fix: undefined, required: false } : spec;
    if (values[name] === undefined) {
      return required ? [problem(where, name, undefined, `is required (${DESCRIPTIONS[kind][0].replace(/^must be /, '')})`, fix ?? `set ${name}: ${DESCRIPTIONS[kind][1]}`)] : [];
    }
    if (CHECKS[kind](values[name])) return [];
    const [message, kindFix] = DESCRIPTIONS[kind];
    return [problem(where, name, describe(values[name]), message, fix ?? kindFix)];
  });
}

/** `value` is an object (options), or the one problem saying it is not. */
export function optionsKindProblems(where: string, field: string, value: unknown, fix = DESCRIPTIONS.object[1]): Problem[] {
  return value === undefined || isObject(value) ? [] : [problem(where, field, describe(value), DESCRIPTIONS.object[0], fix)];
}

/** A value as a problem shows it: a construct by its path, a Map as such (JSON would show `{}`). */
function describe(value: unknown): unknown {
  if (isConstruct(value)) return `construct ${String((value as { node: { path?: unknown } }).node.path)}`;
  if (value instanceof Map) return 'a Map';
  return value;
}

/**
 * `value` is one of an enum's values (`enumObject` is the enum itself, e.g. aws-cdk-lib's `RemovalPolicy`), or the one
 * problem naming them all.
 */
export function enumValueProblems(where: string, field: string, value: unknown, enumName: string, enumObject: Readonly<Record<string, string | number>>, fix?: string): Problem[] {
  // a numeric enum maps its names to numbers and back; only the numbers are its values
  const numeric = Object.values(enumObject).some((v) => typeof v === 'number');
  const names = Object.keys(enumObject).filter((key) => !numeric || typeof enumObject[key] === 'number');
  if (value === undefined || names.some((name) => enumObject[name] === value)) return [];
  return [problem(where, field, value, `not a ${enumName} value`, fix ?? `use one of ${names.map((name) => `${enumName}.${name}`).join(', ')}`)];
}
