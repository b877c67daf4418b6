import type { LocalRunResult } from './engine';
import type { RunStats, StepStats } from './step-stats';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function stepDuration(s: StepStats): string {
  return s.firstStartMs !== undefined && s.lastEndMs !== undefined ? formatDuration(s.lastEndMs - s.firstStartMs) : '-';
}

/** One line per step: `name  3 done  2 running  1 failed`. */
export function progressLines(stats: RunStats): string[] {
  const steps = stats.all();
  const width = Math.max(4, ...steps.map((s) => s.step.length));
  return steps.map((s) => {
    const parts = [`${s.succeeded} done`];
    if (s.running) parts.push(`${s.running} running`);
    if (s.failed) parts.push(`${s.failed} failed`);
    if (s.retried) parts.push(`${s.retried} retried`);
    if (s.stopped) parts.push(`${s.stopped} stopped`);
    return `  ${s.step.padEnd(width)}  ${parts.join('  ')}`;
  });
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The final report: a table of steps with task counts and durations, the outcome, and where the logs are. */
export function formatRunReport(result: LocalRunResult): string {
  const steps = result.stats.all();
  // a `stopped` column only for runs that were stopped, so the usual table stays as narrow as it was
  const anyStopped = steps.some((s) => s.stopped > 0);
  const rows = steps.map((s) => [
    s.step,
    String(s.succeeded + s.failed + s.stopped),
    String(s.succeeded),
    String(s.failed),
    ...(anyStopped ? [String(s.stopped)] : []),
    String(s.retried),
    stepDuration(s),
  ]);
  const header = ['step', 'tasks', 'succeeded', 'failed', ...(anyStopped ? ['stopped'] : []), 'retried', 'duration'];
  const lines = [
    rows.length ? table(header, rows) : '(no Batch tasks ran)',
    '',
    `run ${result.runId} of ${result.flow}: ${result.status} in ${formatDuration(result.durationMs)} (${result.stateTransitions} state transitions)`,
  ];
  if (result.status === 'FAILED') lines.push(`error: ${result.error}: ${summarizeCause(result.cause)}`);
  lines.push(`logs: ${result.logsDir}`);
  return lines.join('\n');
}

/** A Batch job Cause is the whole job JSON: keep what a person needs. */
export function summarizeCause(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const job = JSON.parse(cause) as {
      JobName?: string;
      StatusReason?: string;
      Container?: { ExitCode?: number; LogStreamName?: string };
      Attempts?: Array<{ Container?: { LogStreamName?: string } }>;
    };
    if (job.JobName && job.StatusReason !== undefined) {
      const log = job.Container?.LogStreamName ?? job.Attempts?.[job.Attempts.length - 1]?.Container?.LogStreamName;
      const exit = job.Container?.ExitCode !== undefined ? ` (exit code ${job.Container.ExitCode})` : '';
      return `job ${job.JobName}: ${job.StatusReason}${exit}${log ? `; log: ${log}` : ''}`;
    }
    const lambda = job as { errorMessage?: string };
    if (lambda.errorMessage) return lambda.errorMessage;
  } catch {
    // not JSON: print as is
  }
  return cause;
}
