import * as fs from 'fs';
import * as path from 'path';
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
  if (result.status === 'FAILED' || result.status === 'TIMED_OUT') lines.push(`error: ${result.error}: ${summarizeCause(result.cause)}`);
  if (result.childFailure) lines.push(`first failed child execution: ${result.childFailure.error}: ${summarizeCause(result.childFailure.cause)}`);
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

/** How much of a log's end `logTail` reads: a task may print gigabytes, the tail needs its last lines. */
const TAIL_BYTES = 64 * 1024;

/** The last `lines` lines a task printed: its log without the runner's `# ` header lines. */
export function logTail(file: string, lines = 10): string[] {
  let text: string;
  let whole: boolean;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
      whole = length === size;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  // a tail that starts mid-file starts mid-line: that line is dropped
  const all = text.split('\n');
  const complete = whole ? all : all.slice(1);
  const printed = complete.filter((line, i) => !line.startsWith('# ') && !(i === complete.length - 1 && line === ''));
  return printed.slice(-lines);
}

/** The log of the task that failed the run: the job's own, or the one the array parent names for its first failed child. */
export function failedTaskLog(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const job = JSON.parse(cause) as { StatusReason?: string; Container?: { LogStreamName?: string }; Attempts?: Array<{ Container?: { LogStreamName?: string } }> };
    return job.Container?.LogStreamName ?? job.Attempts?.[job.Attempts.length - 1]?.Container?.LogStreamName ?? /; log: (\S+)$/.exec(job.StatusReason ?? '')?.[1];
  } catch {
    return undefined;
  }
}

/** The newest log of the `end` step: what the flow printed last. */
function endStepLog(logsDir: string): string | undefined {
  const dir = path.join(logsDir, 'end');
  if (!fs.existsSync(dir)) return undefined;
  const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f));
  return logs.sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs).pop();
}

/**
 * What a person wants to see after the table: the end step's last output lines when the run succeeded (the flow's
 * result), the failed task's last log lines when it failed; undefined when there is nothing to show.
 */
export function formatRunOutput(result: LocalRunResult, lines = 10): string | undefined {
  const log = result.status === 'SUCCEEDED' ? endStepLog(result.logsDir) : result.status === 'FAILED' ? failedTaskLog(result.childFailure?.cause ?? result.cause) : undefined;
  const tail = log ? logTail(log, lines) : [];
  if (!log || tail.length === 0) return undefined;
  const what = result.status === 'SUCCEEDED' ? 'output of the end step' : 'end of the failed task\'s log';
  return [`${what} (${path.relative(process.cwd(), log) || log}):`, ...tail.map((line) => `  ${line}`)].join('\n');
}
