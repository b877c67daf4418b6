import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as schema from '../../../schema/flow-document.schema.json';

/** The published JSON Schema of flow documents (`schema/flow-document.schema.json`). */
export const FLOW_DOCUMENT_SCHEMA: object = (schema as { default?: object }).default ?? schema;

let compiled: ValidateFunction | undefined;

/** Validates a value against the published schema; every error at once. */
export function schemaErrors(value: unknown): ErrorObject[] {
  compiled ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile(FLOW_DOCUMENT_SCHEMA);
  return compiled(value) ? [] : [...(compiled.errors ?? [])];
}
