/**
 * Names, tags and execution-input keys shared by the compiler, the constructs, the local engine and the CLI.
 * The CLI finds flows, runs and Batch jobs only through these, so changing one is a breaking change.
 */

/** Tag keys set on every state machine of a flow (found by `metaflow-cdk flows`). */
export const FLOW_TAGS = {
  flowName: 'metaflow-cdk:flow',
  libraryVersion: 'metaflow-cdk:version',
} as const;

/**
 * Tag every Batch job of a `MetaflowFlow` carries, valued with its state machine's name: the flow's role may stop and
 * tag only jobs with its own value (job ids exist only at run time, so IAM cannot name them).
 */
export const JOB_OWNER_TAG = 'metaflow-cdk:state-machine';

/**
 * Keys set both as Batch job parameters and job tags on every SubmitJob of a run,
 * the same keys Metaflow's `batch list`/`batch kill` filter on.
 */
export const JOB_KEYS = {
  flowName: 'metaflow.flow_name',
  runId: 'metaflow.run_id',
  stepName: 'metaflow.step_name',
  user: 'metaflow.user',
} as const;

/** The Pass state that hands Metaflow's start step its input shape: `Parameters` as a JSON string. */
export const METAFLOW_INPUT_STATE = 'Init.metaflow';

/** Top-level keys of a state machine execution's input. */
export const EXECUTION_INPUT = {
  /** Object of parameter name to value. */
  parameters: 'Parameters',
  /** S3 trigger: `{ bucket, key }` of the object that started the run. */
  trigger: 'Trigger',
  /** Who started the run (CLI user name, `scheduler`, `s3-trigger`). */
  user: 'User',
} as const;

/** Run ids are Metaflow's: `sfn-` plus the execution name. */
export function runIdFromExecutionName(executionName: string): string {
  return `sfn-${executionName}`;
}

export function executionNameFromRunId(runId: string): string {
  return runId.startsWith('sfn-') ? runId.slice('sfn-'.length) : runId;
}

/** Batch job names allow 128 characters of `[A-Za-z0-9_-]`; they start with the flow name so ListJobs can filter by prefix. */
export function batchJobName(flowName: string, stepName: string): string {
  return `${flowName}-${stepName}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
}

/**
 * Metaflow's job name under Step Functions (run, task and attempt are unknown at compile time), cut to Batch's 128
 * characters: a long flow and step name would fail every SubmitJob of the step.
 */
export function metaflowJobName(flowName: string, stepName: string): string {
  return `${metaflowJobNamePrefix(flowName)}${stepName}--`.slice(0, 128);
}

/** What every Metaflow job name of a flow starts with. */
export function metaflowJobNamePrefix(flowName: string): string {
  return `SFN-${flowName}--`.slice(0, 128);
}

/** Stack outputs of `MetaflowInfrastructure` that the CLI reads. */
export const INFRA_OUTPUTS = {
  /** The whole JSON that `metaflow configure import` accepts. */
  configJson: 'MetaflowConfigJson',
  /** The ARN of the secret holding the metadata service's API key, when the service has one. */
  serviceAuthKey: 'MetaflowServiceAuthKeySecret',
} as const;

/** Tag set on the infrastructure stack's resources so the CLI finds them. */
export const INFRA_TAG = 'metaflow-cdk:infrastructure' as const;

/** The reason metaflow-cdk gives Batch's TerminateJob (`batch kill`, `terminate`); a job ended so is not retried. */
export const TERMINATE_REASON = 'metaflow-cdk initiated job termination.';
