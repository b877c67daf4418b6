import { BATCH_MAX_OVERRIDES_CHARS } from '../../compile/options';
import type { SubmitJobRequest } from './job-spec';

/** Batch refuses a SubmitJob request over 30 KiB (its service quotas). */
export const BATCH_MAX_SUBMIT_JOB_BYTES = 30 * 1024;

/** Batch's own words for a job whose container overrides are too long; it fails the job with them. */
export const OVERRIDES_TOO_LONG_REASON = `Container Overrides length must be at most ${BATCH_MAX_OVERRIDES_CHARS}`;

/** Batch's error for a SubmitJob request over 30 KiB, which it refuses before any job exists; undefined if it fits. */
export function submitJobSizeError(request: SubmitJobRequest): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(request), 'utf8');
  if (bytes < BATCH_MAX_SUBMIT_JOB_BYTES) return undefined;
  return `Job size must be less than 30 KiB, got ${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * The status reason of a job whose container overrides (or one node range's) pass 8,192 characters: Batch accepts the
 * SubmitJob and fails the job without running it. Values the state machine fills in at run time (parameters, paths)
 * count, so a synth-time check cannot see every such job.
 */
export function overridesTooLongReason(request: SubmitJobRequest): string | undefined {
  const overrides = [request.ContainerOverrides, ...(request.NodeOverrides?.NodePropertyOverrides ?? []).map((n) => n.ContainerOverrides)];
  const tooLong = overrides.some((o) => o !== undefined && JSON.stringify(o).length > BATCH_MAX_OVERRIDES_CHARS);
  return tooLong ? OVERRIDES_TOO_LONG_REASON : undefined;
}
