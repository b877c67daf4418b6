import { Problem } from '../../errors';
import { ParameterSpec, ParameterType } from '../model';
import { atSource, Rule } from './context';
import { RESERVED_STEP_NAMES } from './step-names';

/** Names Metaflow's `Parameter` refuses (`metaflow/parameters.py`), with their `_` spellings. */
export const METAFLOW_RESERVED_PARAMETER_NAMES: ReadonlySet<string> = new Set(
  ['params', 'with', 'tag', 'namespace', 'obj', 'tags', 'decospecs', 'run-id-file', 'max-num-splits', 'max-workers', 'max-log-size', 'user-namespace', 'run-id', 'task-id', 'runner-attribute-file'].flatMap(
    (n) => [n, n.replace(/-/g, '_')],
  ),
);
export const PARAMETER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const TYPES: readonly ParameterType[] = ['string', 'number', 'boolean', 'json'];

/** Parameters reach the step as `METAFLOW_INIT_<NAME>`: names that differ only by case or `-`/`_` collide there. */
export function parameterEnvKey(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

export const checkParameters: Rule = (ctx) => {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  (ctx.doc.parameters ?? []).forEach((param, index) => {
    const where = atSource(`${ctx.flowWhere} parameters[${index}] "${param.name}"`, param.source);
    if (!PARAMETER_NAME_PATTERN.test(param.name)) {
      problems.push({ where, field: 'name', value: param.name, message: 'a parameter name has letters, digits, "_" and "-", and does not start with a digit or "-"', fix: 'rename the parameter' });
    }
    if (RESERVED_STEP_NAMES.has(param.name) || METAFLOW_RESERVED_PARAMETER_NAMES.has(param.name)) {
      problems.push({ where, field: 'name', value: param.name, message: `parameter name ${param.name} is a reserved word in Metaflow`, fix: `rename it, e.g. "${param.name}_value"` });
    }
    const envKey = parameterEnvKey(param.name);
    const other = seen.get(envKey);
    if (other !== undefined) {
      problems.push({ where, field: 'name', value: param.name, message: `parameter ${param.name} collides with parameter ${other} (names may not differ only by case or "-"/"_")`, fix: 'rename one of them' });
    } else {
      seen.set(envKey, param.name);
    }
    if (param.integer !== undefined && (typeof param.integer !== 'boolean' || (param.integer && param.type !== 'number'))) {
      problems.push({ where, field: 'integer', value: param.integer, message: 'integer is true or false, and only a number parameter takes whole numbers only', fix: param.type === 'number' ? 'write integer: true' : 'remove integer, or make the parameter a number' });
    }
    if (!TYPES.includes(param.type)) {
      problems.push({ where, field: 'type', value: param.type, message: 'unknown parameter type', fix: `use one of ${TYPES.join(', ')}` });
    } else if (param.default !== undefined) {
      const bad = valueProblem(param, param.default, 'the default');
      if (bad) problems.push({ where, field: 'default', value: param.default, ...bad });
    }
    if (param.required === true && param.default === undefined && ctx.doc.schedule !== undefined && !ctx.scheduledParameters.has(param.name)) {
      problems.push({
        where,
        field: 'required',
        value: true,
        message: 'a scheduled run passes only the scheduled parameters, and this required parameter without a default is not one of them',
        fix: `give the parameter a default, make it optional, pass it in MetaflowFlow's scheduledParameters ({ "${param.name}": ... }), or remove the schedule`,
      });
    }
    const unmapped = (ctx.doc.triggers ?? []).map((trigger, i) => ({ trigger, i })).filter(({ trigger }) => trigger.parameters?.[param.name] === undefined);
    if (param.required === true && param.default === undefined && unmapped.length > 0) {
      problems.push({
        where,
        field: 'required',
        value: true,
        message: `an S3 trigger passes only the parameters it maps, and triggers[${unmapped.map((u) => u.i).join(', ')}] do not map this required parameter without a default, so every run they start would fail`,
        fix: `give the parameter a default, make it optional, or map it in each trigger (parameters: { "${param.name}": "key" })`,
      });
    }
  });
  return problems;
};

/** What is wrong with `value` as a value of `param` (its default, or what a schedule passes), or undefined. */
function valueProblem(param: ParameterSpec, value: unknown, what: string): { message: string; fix: string } | undefined {
  switch (param.type) {
    case 'string':
      return typeof value === 'string' ? undefined : { message: `${what} of a string parameter must be a string`, fix: `quote it: ${JSON.stringify(String(value))}` };
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { message: `${what} of a number parameter must be a finite number`, fix: 'write a number without quotes' };
      if (param.integer === true && !Number.isInteger(value)) return { message: `${what} of a whole-number parameter (Metaflow's int) must be a whole number`, fix: `write ${Math.trunc(value)}, or make the parameter a float (integer: false)` };
      return Number.isInteger(value) && !Number.isSafeInteger(value)
        ? { message: `${what} is a whole number past 2^53, which JSON carries only rounded (it is ${value} already)`, fix: 'make the parameter a string for such ids, or use a smaller number' }
        : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { message: `${what} of a boolean parameter must be true or false`, fix: 'write true or false without quotes' };
    case 'json': {
      let parsed = value;
      if (typeof value === 'string') {
        try {
          parsed = JSON.parse(value);
        } catch {
          return { message: `${what} of a json parameter is a JSON value, or a string holding JSON (as in Metaflow), and this string is not JSON`, fix: 'write the JSON value itself, or a string that parses as JSON' };
        }
      }
      const pathKey = keyEndingInPathMarker(parsed);
      if (pathKey !== undefined && what === 'the default') {
        return {
          message: `${what} has the key ${JSON.stringify(pathKey)}: the state machine carries defaults in a Pass state's Parameters, where Step Functions reads a key ending in ".$" as a path, so the run would get other data, or the deploy fail`,
          fix: 'rename the key, or pass this value when the run starts (--param)',
        };
      }
      return undefined;
    }
  }
  return undefined;
}

/** The first object key, at any depth, that ends in `.$`. */
function keyEndingInPathMarker(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = keyEndingInPathMarker(item);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith('.$')) return key;
      const found = keyEndingInPathMarker(item);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `scheduledParameters`: each names a declared parameter and has its type, and there is a schedule to pass them. */
export function scheduledParameterProblems(flowWhere: string, declared: readonly ParameterSpec[], scheduled: Readonly<Record<string, unknown>>, hasSchedule: boolean): Problem[] {
  const problems: Problem[] = [];
  const where = `${flowWhere} scheduledParameters`;
  if (!hasSchedule && Object.keys(scheduled).length > 0) {
    problems.push({ where, field: '', value: scheduled, message: 'the flow has no schedule, so no run would get these parameters', fix: 'add a schedule to the flow, or remove scheduledParameters' });
  }
  const byName = new Map(declared.map((param) => [param.name, param]));
  for (const [name, value] of Object.entries(scheduled)) {
    const param = byName.get(name);
    if (param === undefined) {
      const listing = declared.length > 0 ? `declared parameters: ${declared.map((p) => p.name).join(', ')}` : 'the flow declares no parameters';
      problems.push({ where, field: name, value, message: 'is not a parameter of this flow', fix: listing });
      continue;
    }
    if (value === undefined) {
      problems.push({ where, field: name, value, message: 'has no value (undefined), so scheduled runs would not get it', fix: `give ${name} a value, or leave it out of scheduledParameters` });
      continue;
    }
    const bad = valueProblem(param, value, 'the scheduled value');
    if (bad) problems.push({ where, field: name, value, ...bad });
  }
  return problems;
}
