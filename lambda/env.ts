/** A required environment variable of the function, with a clear error when the construct did not set it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`environment variable ${name} is not set on this function`);
  return value;
}

/** Environment variables the flow construct gives every coordination Lambda. */
export const LAMBDA_ENV = {
  flowName: 'FLOW_NAME',
  bucket: 'DATASTORE_BUCKET',
  prefix: 'DATASTORE_PREFIX',
  table: 'COORDINATION_TABLE',
  /** `s3` (generic steps write `_foreach.json`) or `dynamodb` (Metaflow's runtime writes the item of protocol §4). */
  widthSource: 'FOREACH_WIDTH_SOURCE',
} as const;
