import type { StepSpec } from '../graph/model';
import { BATCH_MAX_ATTEMPTS, HOST_TERMINATION_STATUS_REASON } from './options';

export interface EvaluateOnExit {
  readonly action: 'RETRY' | 'EXIT';
  readonly onStatusReason?: string;
  readonly onExitCode?: string;
  readonly onReason?: string;
}

export interface BatchRetryStrategy {
  readonly attempts: number;
  readonly evaluateOnExit: readonly EvaluateOnExit[];
}

/** A Step Functions `Retry` rule. */
export interface SfnRetry {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Where a step's retries happen:
 * - `task`: one Batch job per task. Batch retries host terminations only; the user's `@retry` is a Step Functions
 *   `Retry` on the task state, which honours `minutesBetweenRetries` and keeps the task id (it does not depend on
 *   the Batch job id).
 * - `array`: a child of a Batch array job. A Step Functions retry would rerun every child, so Batch retries both:
 *   attempts = 1 + user retries + host retries, host terminations first in `evaluateOnExit`.
 */
export type RetryMode = 'task' | 'array';

export function userRetries(step: StepSpec): number {
  return step.retry?.times ?? 0;
}

export function batchRetryStrategy(step: StepSpec, mode: RetryMode, hostRetries: number): BatchRetryStrategy {
  const host: EvaluateOnExit = { action: 'RETRY', onStatusReason: HOST_TERMINATION_STATUS_REASON };
  const exitOnAnythingElse: EvaluateOnExit = { action: 'EXIT', onStatusReason: '*' };
  if (mode === 'task' || userRetries(step) === 0) {
    return { attempts: Math.min(BATCH_MAX_ATTEMPTS, 1 + hostRetries), evaluateOnExit: [host, exitOnAnythingElse] };
  }
  // Unmatched failures are retried while attempts remain, so user failures may use the host allowance too.
  return { attempts: Math.min(BATCH_MAX_ATTEMPTS, 1 + userRetries(step) + hostRetries), evaluateOnExit: [host] };
}

/** Batch answers SubmitJob throttling with `Batch.AWSBatchException`: retried as Metaflow does (2 s, x2, cap 60 s). */
export const SUBMIT_THROTTLE_RETRY: SfnRetry = {
  ErrorEquals: ['Batch.AWSBatchException'],
  IntervalSeconds: 2,
  MaxAttempts: 10,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

export const LAMBDA_TRANSIENT_RETRY: SfnRetry = {
  ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** Seconds to wait before a user retry (`minutesBetweenRetries`). */
export function retryDelaySeconds(step: StepSpec): number {
  return Math.round((step.retry?.minutesBetweenRetries ?? 0) * 60);
}
