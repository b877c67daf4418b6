import type { FlowGraph } from '../../graph/analyze';
import type { MetaflowDeployment } from './deployment';
import { metaflowStepCommand, type MetaflowStepCommandOptions } from './command';
import { metaflowStepEnvironment, type MetaflowEnvEntry } from './environment';
import { metaflowAttemptTimeout, metaflowResourceRequirements, type ResourceRequirement } from './resources';
import { retriesOf, stepProtocol } from './step-protocol';
import { metaflowJobName } from '../naming';

export { metaflowJobName } from '../naming';

/** Where the job goes: resolved by the compiler from the plan and the infrastructure. */
export interface MetaflowJobRefs {
  /** Job definition ARN (with revision) or name. */
  readonly jobDefinition: string;
  /** Job queue ARN or name. */
  readonly jobQueue: string;
  /** Batch job name. @default Metaflow's `SFN-<Flow>--<step>--` (what `batch list`/`batch kill` match on) */
  readonly jobName?: string;
}

/** The `Parameters` of a `batch:submitJob.sync` Task state for a Metaflow step (Metaflow's `State.batch`). */
export interface MetaflowSubmitJob {
  readonly JobDefinition: string;
  readonly JobName: string;
  readonly JobQueue: string;
  readonly Parameters: Record<string, string>;
  /** Job tags (the flow's `jobTags`, which include its owner tag). */
  readonly Tags?: Record<string, string>;
  readonly ContainerOverrides: {
    readonly Command: string[];
    readonly ResourceRequirements: ResourceRequirement[];
    readonly Environment: MetaflowEnvEntry[];
  };
  readonly RetryStrategy: { readonly Attempts: number };
  readonly Timeout: { readonly AttemptDurationSeconds: number };
}


/**
 * Everything a Step Functions Task needs to submit one Metaflow step as Metaflow's own compiler does: command,
 * environment, resources, job parameters, attempts (retries live in Batch so the task id stays stable) and timeout.
 * The compiler adds the state's `Retry` on `Batch.AWSBatchException`, `OutputPath` and `Next`/`End`.
 */
export function metaflowSubmitJob(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, refs: MetaflowJobRefs, options: MetaflowStepCommandOptions = {}): MetaflowSubmitJob {
  const node = graph.nodes.get(stepName);
  const protocol = stepProtocol(graph, stepName, deployment, options);
  return {
    JobDefinition: refs.jobDefinition,
    JobName: refs.jobName ?? metaflowJobName(graph.document.name, stepName),
    JobQueue: refs.jobQueue,
    Parameters: protocol.attrs,
    ContainerOverrides: {
      Command: metaflowStepCommand(graph, stepName, deployment, options),
      ResourceRequirements: metaflowResourceRequirements(node!.step),
      Environment: metaflowStepEnvironment(graph, stepName, deployment, options),
    },
    RetryStrategy: { Attempts: retriesOf(node!).attempts },
    Timeout: { AttemptDurationSeconds: metaflowAttemptTimeout(node!.step) },
  };
}
