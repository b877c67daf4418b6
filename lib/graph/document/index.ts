export * from './normalize';
export * from './parse';
export { FLOW_DOCUMENT_SCHEMA, schemaErrors } from './schema';
