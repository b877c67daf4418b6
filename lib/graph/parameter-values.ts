import type { ParameterSpec } from './model';

/**
 * A parameter value as a run gets it. A `json` parameter's string value (a default, or what a schedule passes) holds
 * JSON, as Metaflow's `JSONType` reads it, so it is parsed: `--param js='{"a": 1}'` and a default of `'{"a": 1}'` reach
 * the steps alike. The validator has checked that such a string parses.
 */
export function runValueOf(param: Pick<ParameterSpec, 'type'>, value: unknown): unknown {
  if (param.type !== 'json' || typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The defaults of a flow's parameters as a run gets them, by name. */
export function runDefaultsOf(parameters: readonly ParameterSpec[]): Record<string, unknown> {
  return Object.fromEntries(parameters.filter((p) => p.default !== undefined).map((p) => [p.name, runValueOf(p, p.default)]));
}

/** `values` by parameter name as a run gets them (`runValueOf` each); names the flow does not declare pass as they are. */
export function runValuesOf(declared: readonly ParameterSpec[], values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const byName = new Map(declared.map((p) => [p.name, p]));
  return Object.fromEntries(Object.entries(values).map(([name, value]) => {
    const param = byName.get(name);
    return [name, param ? runValueOf(param, value) : value];
  }));
}
