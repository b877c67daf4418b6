export * from './lib/errors';
export * from './lib/graph';
export * from './lib/runtime/naming';
export * from './lib/runtime/manifest';
export { importPythonFlow, type ImportPythonFlowOptions } from './lib/importer/python';
export type { DeployTimeEvaluation } from './lib/importer/deploy-time';
export * from './constructs';
