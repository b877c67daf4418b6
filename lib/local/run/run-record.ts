import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ManifestStep } from '../../runtime/manifest';
import { procStat, processGone } from '../process/proc-stat';
import type { RunStats } from './step-stats';

/** Every local run keeps its record here, in its run folder: what `runs`, `status` and `logs --local` read. */
export const RUN_RECORD_FILE = 'run.json';
export const RUN_RECORD_FORMAT = 'metaflow-cdk-local-run/1' as const;

/** How often a running run's record is rewritten at most while its tasks change. */
export const RECORD_INTERVAL_MS = 1000;

export type RecordedRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface RecordedStep {
  readonly step: string;
  /** From the flow's manifest; absent for a state machine metaflow-cdk did not compile. */
  readonly type?: string;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly stopped: number;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
}

export interface RunRecord {
  readonly format: typeof RUN_RECORD_FORMAT;
  readonly flow: string;
  readonly runId: string;
  readonly executionName: string;
  readonly status: RecordedRunStatus;
  readonly startDate: string;
  readonly stopDate: string | null;
  readonly user: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The process running the run: a record left RUNNING by a process that is gone was stopped without an outcome. */
  readonly process: { readonly pid: number; readonly host: string; readonly startTicks?: number };
  readonly steps: readonly RecordedStep[];
  readonly stateTransitions: number;
  readonly error?: string;
  readonly cause?: string;
  readonly childFailure?: { readonly error: string; readonly cause: string };
}

export interface RunOutcome {
  readonly status: Exclude<RecordedRunStatus, 'RUNNING'>;
  readonly durationMs: number;
  readonly stateTransitions: number;
  readonly error?: string;
  readonly cause?: string;
  readonly childFailure?: { readonly error: string; readonly cause: string };
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The manifest's steps in flow order, then any other step that ran tasks, each with its task counts. */
export function recordedSteps(manifestSteps: readonly ManifestStep[], stats: RunStats): RecordedStep[] {
  const ran = new Map(stats.all().map((s) => [s.step, s]));
  const names = [...manifestSteps.map((s) => s.name), ...[...ran.keys()].filter((name) => !manifestSteps.some((s) => s.name === name))];
  return names.map((step) => {
    const s = ran.get(step);
    const type = manifestSteps.find((m) => m.name === step)?.type;
    return {
      step,
      ...(type ? { type } : {}),
      running: s?.running ?? 0,
      succeeded: s?.succeeded ?? 0,
      failed: s?.failed ?? 0,
      retried: s?.retried ?? 0,
      stopped: s?.stopped ?? 0,
      startedAt: iso(s?.firstStartMs),
      stoppedAt: s && s.running === 0 ? iso(s.lastEndMs) : null,
    };
  });
}

/** Writes a file whole or not at all: a reader never sees half a record. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Keeps a run's `run.json` up to date: at its start, at most every second while tasks change, and at its end. */
export class RunRecorder {
  private readonly file: string;
  private readonly startMs = Date.now();
  private timer?: NodeJS.Timeout;
  private ended = false;

  constructor(
    runDir: string,
    private readonly run: Pick<RunRecord, 'flow' | 'runId' | 'executionName' | 'user' | 'parameters'> & { readonly manifestSteps: readonly ManifestStep[] },
    private readonly stats: RunStats,
  ) {
    this.file = path.join(runDir, RUN_RECORD_FILE);
  }

  start(): void {
    this.write('RUNNING');
    this.stats.onChange(() => {
      if (this.ended || this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.ended) this.write('RUNNING');
      }, RECORD_INTERVAL_MS);
      this.timer.unref();
    });
  }

  finish(outcome: RunOutcome): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.write(outcome.status, outcome);
  }

  private write(status: RecordedRunStatus, outcome?: RunOutcome): void {
    const record: RunRecord = {
      format: RUN_RECORD_FORMAT,
      flow: this.run.flow,
      runId: this.run.runId,
      executionName: this.run.executionName,
      status,
      startDate: new Date(this.startMs).toISOString(),
      stopDate: outcome ? new Date(this.startMs + outcome.durationMs).toISOString() : null,
      user: this.run.user,
      parameters: this.run.parameters,
      process: { pid: process.pid, host: os.hostname(), ...ownStartTicks() },
      steps: recordedSteps(this.run.manifestSteps, this.stats),
      stateTransitions: outcome?.stateTransitions ?? this.stats.stateTransitions,
      ...(outcome?.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome?.cause !== undefined ? { cause: outcome.cause } : {}),
      ...(outcome?.childFailure ? { childFailure: outcome.childFailure } : {}),
    };
    writeAtomically(this.file, `${JSON.stringify(record, null, 1)}\n`);
  }
}

function ownStartTicks(): { startTicks?: number } {
  const ticks = procStat(process.pid)?.startTicks;
  return ticks === undefined ? {} : { startTicks: ticks };
}

/** A run's record, or undefined when the folder has none (or one this version cannot read). */
export function readRunRecord(runDir: string): RunRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(runDir, RUN_RECORD_FILE), 'utf8')) as Partial<RunRecord>;
    return record.format === RUN_RECORD_FORMAT && typeof record.runId === 'string' ? (record as RunRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The status to show: a record still RUNNING whose process on this host has exited (killed with SIGKILL, or the
 * machine stopped) is ABORTED, with why. A record from another host keeps what it says.
 */
export function effectiveStatus(record: RunRecord, host = os.hostname()): { status: RecordedRunStatus; note?: string } {
  if (record.status !== 'RUNNING' || record.process.host !== host) return { status: record.status };
  const { pid, startTicks } = record.process;
  const now = procStat(pid);
  const reused = startTicks !== undefined && now !== undefined && now.startTicks !== startTicks;
  if (!reused && !processGone(pid)) return { status: 'RUNNING' };
  return { status: 'ABORTED', note: `process ${pid} that ran it ended without recording an outcome (killed, or the machine stopped)` };
}

/** The run folders under a run root: `<runRoot>/<flow>/<runId>`, of one flow or of all. */
export function runFolders(runRoot: string, flow?: string): string[] {
  const flows = flow !== undefined ? [flow] : subfolders(runRoot).filter((name) => name !== 's3' && !name.startsWith('.'));
  return flows.flatMap((name) => subfolders(path.join(runRoot, name)).map((run) => path.join(runRoot, name, run)));
}

function subfolders(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
