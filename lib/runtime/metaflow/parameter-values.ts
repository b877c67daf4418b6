/**
 * A Metaflow flow's `JSONType` parameters travel as JSON text, as Metaflow's `step-functions trigger` sends them
 * (`json.dumps`): its job script exports each value as `METAFLOW_INIT_<NAME>=<json.dumps(value)>`, which a bare
 * object with a space in it breaks.
 */
export function metaflowParameterValues(declared: ReadonlyArray<{ name: string; type?: string }>, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const json = new Set(declared.filter((p) => p.type === 'json').map((p) => p.name));
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, json.has(name) && typeof value !== 'string' ? JSON.stringify(value) : value]));
}
