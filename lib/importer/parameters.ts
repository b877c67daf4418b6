import type { Problem } from '../errors';
import type { MetaflowIncludedFile, ParameterSpec, ParameterType, SourceLocation } from '../graph/model';
import { NON_LITERAL_FIX, whereOf, type Site } from './decorator-args';
import { isLiteral, type RawParameter, type RawValue } from './reader-output';

/** Python `type=` of a Metaflow Parameter -> document type. */
const TYPES: Readonly<Record<string, ParameterType>> = { str: 'string', int: 'number', float: 'number', bool: 'boolean', JSONType: 'json' };

/** Keyword arguments of `Parameter` that only shape Metaflow's own CLI help and change nothing at run time. */
const CLI_ONLY = new Set(['show_default']);

/** Keyword arguments of `IncludeFile` whose effect Metaflow's evaluation at synth or the task itself takes care of. */
const INCLUDE_FILE_EVALUATED = new Set(['default', 'is_text', 'encoding', 'parser']);

/**
 * Maps `x = Parameter("name", ...)` class attributes onto parameter specs, collecting every problem. `includedFiles`
 * holds, by attribute, the `IncludeFile`s Metaflow evaluated at synth (with the file of the default, if any); the
 * others are refused.
 */
export function readParameters(raws: readonly RawParameter[], site: Site, problems: Problem[], includedFiles?: ReadonlyMap<string, MetaflowIncludedFile | undefined>): ParameterSpec[] {
  const out: ParameterSpec[] = [];
  for (const raw of raws) {
    const where = whereOf(site, raw.line);
    if (raw.kind === 'IncludeFile' && includedFiles?.has(raw.attribute)) {
      const spec = readIncludeFile(raw, site, problems);
      if (spec) out.push(spec);
      continue;
    }
    if (raw.kind !== 'Parameter') {
      problems.push({
        where, field: `${raw.attribute} = ${raw.kind}(...)`, value: raw.kind,
        message: raw.kind === 'Config'
          ? 'Config is evaluated when Metaflow deploys, and this flow file is only read'
          : 'IncludeFile is read from the deployer\'s disk when Metaflow deploys, and this flow file is only read',
        fix: raw.kind === 'Config'
          ? 'set metaflow.deployTimeEvaluation (a Python with Metaflow) so Metaflow evaluates the configs at synth, or turn them into Parameters with literal defaults'
          : 'set metaflow.deployTimeEvaluation (a Python with Metaflow) so Metaflow finds the file at synth and it ships with the flow, or upload the file to S3 and pass its URL as a Parameter',
      });
      continue;
    }
    const before = problems.length;
    const nameRaw = raw.args[0] ?? (raw.kwargs.name as RawValue | undefined);
    const name = literalString(nameRaw);
    if (name === undefined) {
      problems.push({ where, field: `${raw.attribute} = Parameter(name)`, value: nameRaw && !isLiteral(nameRaw) ? nameRaw.nonLiteral : undefined, message: 'the parameter name must be a literal string', fix: `write Parameter("${raw.attribute}", ...)` });
    }
    const spec: { name: string; type: ParameterType; default?: unknown; required?: boolean; integer?: boolean; help?: string; source: SourceLocation } = { name: name ?? raw.attribute, type: 'string', source: { file: site.file, line: raw.line } };
    let typeName: string | undefined;
    let floatDefault = false;
    for (const [key, value] of Object.entries(raw.kwargs)) {
      const field = `Parameter("${spec.name}", ${key}=...)`;
      if (key === 'name' || CLI_ONLY.has(key)) continue;
      if (key === 'type') {
        typeName = 'typeName' in value ? value.typeName : undefined;
        if (typeName === undefined || TYPES[typeName] === undefined) {
          problems.push({ where, field, value: typeName, message: 'only str, int, float, bool and JSONType parameters are supported', fix: 'use one of type=str, int, float, bool, JSONType' });
        }
        continue;
      }
      const raw2 = value as RawValue;
      if (!isLiteral(raw2)) {
        problems.push({ where, field, value: raw2.nonLiteral, message: key === 'default' ? 'the default is not a literal (deploy-time functions are evaluated only with metaflow.deployTimeEvaluation)' : 'is not a literal value', fix: NON_LITERAL_FIX });
        continue;
      }
      if (key === 'default') {
        if (raw2.value !== null) spec.default = raw2.value;
        floatDefault = 'float' in raw2 && raw2.float === true;
      } else if (key === 'required') {
        if (typeof raw2.value === 'boolean') spec.required = raw2.value;
        else problems.push({ where, field, value: raw2.value, message: 'must be True or False', fix: 'write required=True or required=False' });
      } else if (key === 'help') {
        if (typeof raw2.value === 'string') spec.help = raw2.value;
      } else if (key === 'separator') {
        // The value travels as the string it is; Metaflow splits it into a list inside the task.
        if (typeof raw2.value !== 'string' || raw2.value === '') problems.push({ where, field, value: raw2.value, message: 'must be a non-empty string', fix: 'write e.g. separator=","' });
      } else {
        problems.push({ where, field, value: raw2.value, message: `Parameter argument "${key}" is not supported`, fix: 'remove it (supported: name, default, type, required, help, separator, show_default)' });
      }
    }
    spec.type = typeName !== undefined && TYPES[typeName] ? TYPES[typeName] : inferType(spec.default);
    // Metaflow's int is click's INT, which refuses 2.5; without type=, an int default makes the parameter an int.
    if (typeName === 'int' || (typeName === undefined && spec.type === 'number' && !floatDefault)) spec.integer = true;
    // click converts a default through the type, so Parameter("n", type=int, default="3") means 3.
    if (spec.type === 'number' && typeof spec.default === 'string' && spec.default.trim() !== '' && Number.isFinite(Number(spec.default))) spec.default = Number(spec.default);
    // ... and Parameter("s", type=str, default=5) means "5" (Python's str()).
    if (spec.type === 'string' && typeName === 'str' && (typeof spec.default === 'number' || typeof spec.default === 'boolean')) spec.default = typeof spec.default === 'boolean' ? (spec.default ? 'True' : 'False') : String(spec.default);
    // A deploy-time function's value arrives as Metaflow's string form ("True" for a bool parameter).
    if (spec.type === 'boolean' && typeof spec.default === 'string' && /^(true|false)$/i.test(spec.default)) spec.default = spec.default.toLowerCase() === 'true';
    if (problems.length === before) out.push(spec);
  }
  return out;
}

/**
 * An `IncludeFile` Metaflow evaluated: a string parameter (its value is Metaflow's descriptor of an uploaded file; the
 * construct sets the default once the file is an asset), with its name, `required` and `help` read as written.
 */
function readIncludeFile(raw: RawParameter, site: Site, problems: Problem[]): ParameterSpec | undefined {
  const where = whereOf(site, raw.line);
  const before = problems.length;
  const nameRaw = raw.args[0] ?? (raw.kwargs.name as RawValue | undefined);
  const name = literalString(nameRaw);
  if (name === undefined) {
    problems.push({ where, field: `${raw.attribute} = IncludeFile(name)`, value: nameRaw && !isLiteral(nameRaw) ? nameRaw.nonLiteral : undefined, message: 'the parameter name must be a literal string', fix: `write IncludeFile("${raw.attribute}", ...)` });
  }
  const spec: { name: string; type: ParameterType; required?: boolean; help?: string; source: SourceLocation } = { name: name ?? raw.attribute, type: 'string', source: { file: site.file, line: raw.line } };
  for (const [key, value] of Object.entries(raw.kwargs)) {
    if (key === 'name' || CLI_ONLY.has(key) || INCLUDE_FILE_EVALUATED.has(key)) continue;
    const field = `IncludeFile("${spec.name}", ${key}=...)`;
    const given = value as RawValue;
    if (key === 'required' && isLiteral(given) && typeof given.value === 'boolean') spec.required = given.value;
    else if (key === 'required' && isLiteral(given) && given.value === null) continue;
    else if (key === 'help' && isLiteral(given) && (typeof given.value === 'string' || given.value === null)) {
      if (typeof given.value === 'string') spec.help = given.value;
    } else {
      problems.push({ where, field, value: isLiteral(given) ? given.value : given.nonLiteral, message: `IncludeFile argument "${key}" is not supported here`, fix: 'remove it (supported: name, default, is_text, encoding, required, help, parser, show_default)' });
    }
  }
  return problems.length === before ? spec : undefined;
}

/** Metaflow infers a parameter's type from its default when `type=` is absent. */
function inferType(value: unknown): ParameterType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'object' && value !== null) return 'json';
  return 'string';
}

function literalString(raw: RawValue | undefined): string | undefined {
  return raw && isLiteral(raw) && typeof raw.value === 'string' ? raw.value : undefined;
}
