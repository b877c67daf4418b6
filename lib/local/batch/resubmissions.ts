import { STEP_ENV } from '../../runtime/env';
import { METAFLOW_CARRIED_RETRY_COUNT_ENV, METAFLOW_CARRIED_TASK_ID_ENV } from '../../runtime/metaflow/retry-delay';
import type { ContainerOverrides, SubmitJobRequest } from './job-spec';

/** Variables that a state-machine retry changes between the jobs of one task: left out of the task's identity. */
const RETRY_VARIABLES: ReadonlySet<string> = new Set([STEP_ENV.retryCount, METAFLOW_CARRIED_TASK_ID_ENV, METAFLOW_CARRIED_RETRY_COUNT_ENV]);

function withoutRetryVariables(overrides: ContainerOverrides | undefined): ContainerOverrides | undefined {
  if (!overrides?.Environment) return overrides;
  return { ...overrides, Environment: overrides.Environment.filter((entry) => !RETRY_VARIABLES.has(entry.Name)) };
}

/**
 * What stays the same between the jobs the state machine submits for one task when it retries it (a `@retry` loop,
 * Metaflow's retry-delay envelope, a fresh job after a lost host): the whole request but the retry variables.
 * Two different tasks never submit the same request: each names its own task path, split index or input.
 */
export function taskIdentityOf(request: SubmitJobRequest): string {
  const nodes = request.NodeOverrides;
  return JSON.stringify({
    ...request,
    ContainerOverrides: withoutRetryVariables(request.ContainerOverrides),
    NodeOverrides: nodes && {
      ...nodes,
      NodePropertyOverrides: nodes.NodePropertyOverrides?.map((n) => ({ ...n, ContainerOverrides: withoutRetryVariables(n.ContainerOverrides) })),
    },
  });
}

interface FailedSubmission {
  readonly step: string;
  readonly failedTasks: number;
}

/**
 * Remembers the tasks of failed jobs until the state machine submits the same task again. The Batch runner counts a
 * task as failed when its job fails (it cannot know whether a state will retry it); a resubmission shows it was
 * retried after all.
 */
export class Resubmissions {
  private readonly failed = new Map<string, FailedSubmission>();

  /** Records a job that failed with `failedTasks` tasks counted as failed. */
  jobFailed(request: SubmitJobRequest, step: string, failedTasks: number): void {
    if (failedTasks > 0) this.failed.set(taskIdentityOf(request), { step, failedTasks });
  }

  /** The failure `request` retries, if an earlier job of the same task failed; forgotten once returned. */
  retriedBy(request: SubmitJobRequest): FailedSubmission | undefined {
    const identity = taskIdentityOf(request);
    const failure = this.failed.get(identity);
    this.failed.delete(identity);
    return failure;
  }
}
