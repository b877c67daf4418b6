/**
 * AWS Batch retry semantics: `Attempts` bounds all attempts; `EvaluateOnExit` entries are checked in order and the first
 * whose every given condition matches decides RETRY or EXIT; when none matches the job is retried if attempts remain.
 * Patterns match the whole string and may end with `*` to match a prefix.
 */

export interface EvaluateOnExit {
  readonly OnStatusReason?: string;
  readonly OnReason?: string;
  readonly OnExitCode?: string;
  readonly Action: string;
}

export interface RetryStrategy {
  readonly Attempts?: number;
  readonly EvaluateOnExit?: readonly EvaluateOnExit[];
}

/** What Batch reports about one failed attempt. */
export interface AttemptOutcome {
  readonly statusReason: string;
  /** Container reason, e.g. `OutOfMemoryError: Container killed due to memory usage`. */
  readonly reason?: string;
  readonly exitCode?: number;
}

export function globMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return pattern === '*';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function entryMatches(entry: EvaluateOnExit, outcome: AttemptOutcome): boolean {
  if (entry.OnStatusReason !== undefined && !globMatches(entry.OnStatusReason, outcome.statusReason)) return false;
  if (entry.OnReason !== undefined && !globMatches(entry.OnReason, outcome.reason)) return false;
  if (entry.OnExitCode !== undefined && !globMatches(entry.OnExitCode, outcome.exitCode === undefined ? undefined : String(outcome.exitCode))) {
    return false;
  }
  return true;
}

/** Decides whether a failed attempt (1-based `attempt`) is retried. */
export function shouldRetry(strategy: RetryStrategy | undefined, attempt: number, outcome: AttemptOutcome): boolean {
  const attempts = Math.max(1, strategy?.Attempts ?? 1);
  if (attempt >= attempts) return false;
  for (const entry of strategy?.EvaluateOnExit ?? []) {
    if (entryMatches(entry, outcome)) return entry.Action.toUpperCase() === 'RETRY';
  }
  return true;
}
