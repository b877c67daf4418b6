export * from './lib/errors';
export * from './lib/graph';
export * from './lib/runtime/naming';
export * from './lib/runtime/manifest';
export { importPythonFlow } from './lib/importer/python';
export * from './constructs';
