import type { GraphNode } from '../../graph/analyze';

export interface ResourceRequirement {
  readonly Type: 'VCPU' | 'GPU' | 'MEMORY';
  readonly Value: string;
}

/** `ContainerOverrides.ResourceRequirements` as Metaflow orders and formats them: VCPU (`%g`), GPU if > 0, MEMORY (int). */
export function metaflowResourceRequirements(step: GraphNode['step']): ResourceRequirement[] {
  const gpu = Math.trunc(step.gpu ?? 0);
  return [
    { Type: 'VCPU', Value: String(step.cpu ?? 1) },
    ...(gpu > 0 ? [{ Type: 'GPU' as const, Value: String(gpu) }] : []),
    { Type: 'MEMORY', Value: String(Math.trunc(step.memory ?? 4096)) },
  ];
}

/** AWS Batch's minimum `AttemptDurationSeconds`. */
export const BATCH_MIN_ATTEMPT_SECONDS = 60;

/**
 * Seconds of `Timeout.AttemptDurationSeconds`: `@timeout`, else Metaflow's `DEFAULT_RUNTIME_LIMIT` (5 days). A
 * `@timeout` under Batch's minimum gets the minimum: Metaflow's `@timeout` stops the user code in the task first.
 */
export function metaflowAttemptTimeout(step: GraphNode['step']): number {
  return Math.max(step.timeoutSeconds ?? 5 * 24 * 3600, BATCH_MIN_ATTEMPT_SECONDS);
}
