export { ValidationError, isValidationError, formatProblem, type Problem } from './lib/errors';
export * from './lib/graph';
export * from './lib/runtime/naming';
export * from './lib/runtime/manifest';
export { importPythonFlow, type ImportPythonFlowOptions } from './lib/importer/python';
export type { DeployTimeEvaluation } from './lib/importer/deploy-time';
export * from './constructs';
// types the public props and results name, so users can name them too
export type { ForeachStrategy } from './lib/compile/options';
export type { FlowPlan } from './lib/compile/plan';
export type { AslDefinition } from './lib/compile/asl';
export type { Accelerator } from './lib/infrastructure/instance-families';
export type { MetaflowConfig, MetaflowConfigKey } from './lib/infrastructure/config-export';
