/** The local engine: runs a synthesized flow's state machine on this machine (`metaflow-cdk run --local`). */
export { runLocalFlow, FlowNotFoundError, type LocalRunOptions, type LocalRunResult } from './run/engine';
export { RunStats, type StepStats } from './run/step-stats';
export { formatRunReport } from './run/report';
export { ProgressPrinter } from './run/progress';
export { LocalAssembly, type LocalResource } from './template/assembly';
export { findFlow, listFlows, type LocalFlow } from './template/flows';
export { synthesizeApp, withSynthesizedApp } from './template/synth';
export { SPOT_RECLAIM_ENV, SPOT_STATUS_REASON, TIMEOUT_STATUS_REASON } from './batch/runner';
export { runMainJob, MAIN_JOB_FLOW, type MainJobOptions } from './main-job';
export { metaflowStandin, STANDIN_DATASTORE_ENV, type LocalCommandHook, type LocalTaskCommand, type LocalTaskReplacement, type MetaflowStandinOptions } from './batch/command-hook';
export type { TaskHostOptions } from './batch/task-host';
export type { LocalSecretValues } from './services/secrets-manager';
export type { RunMetadataServiceOptions } from './services/metadata/run-hook';
