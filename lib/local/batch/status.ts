import * as os from 'os';
import type { ProcessExit } from '../process/children';
import type { AttemptOutcome } from './retry-strategy';

/** Env var naming a marker file: a step that creates it asks the engine to treat the attempt as a spot reclaim. */
export const SPOT_RECLAIM_ENV = 'MF_LOCAL_SPOT_RECLAIM';
/** The status reason Batch gives when the Spot (or any) host of an attempt goes away. */
export const SPOT_STATUS_REASON = 'Host EC2 (instance i-local) terminated.';
export const TIMEOUT_STATUS_REASON = 'Job attempt duration exceeded timeout';
export const EXIT_STATUS_REASON = 'Essential container in task exited';
export const DEPENDENCY_STATUS_REASON = 'Dependent Job failed';
export const ABORT_STATUS_REASON = 'Terminated by the local engine: the run was stopped';
/** A node of a multi-node job that was still running when the main node exited: Batch stops it, the job goes on. */
export const MAIN_NODE_EXITED_STATUS_REASON = 'Stopped: the main node of the multi-node job exited';

/** An error the interpreter matches in Retry/Catch as `States.TaskFailed`, with the DescribeJobs job as Cause. */
export class BatchJobFailed extends Error {
  constructor(readonly job: BatchJob) {
    super(JSON.stringify(job));
    this.name = 'States.TaskFailed';
  }
}

export interface BatchAttempt {
  Container: { ExitCode?: number; Reason?: string; LogStreamName: string };
  StartedAt: number;
  StoppedAt: number;
  StatusReason: string;
}

/** The DescribeJobs job object as the `submitJob.sync` integration returns it (PascalCase). */
export interface BatchJob {
  JobArn: string;
  JobId: string;
  JobName: string;
  JobQueue: string;
  JobDefinition: string;
  Status: 'SUCCEEDED' | 'FAILED';
  StatusReason?: string;
  Attempts: BatchAttempt[];
  CreatedAt: number;
  StartedAt: number;
  StoppedAt: number;
  Parameters: Record<string, string>;
  Tags: Record<string, string>;
  Container?: { Image?: string; Command: string[]; ExitCode?: number; Reason?: string; LogStreamName?: string };
  ArrayProperties?: { Size: number; StatusSummary: Record<string, number>; Index?: number };
  NodeProperties?: { NumNodes: number; MainNode: number; IsMainNode?: boolean };
  RetryStrategy?: unknown;
  Timeout?: { AttemptDurationSeconds: number };
  PlatformCapabilities: string[];
  DependsOn: unknown[];
}

function signalExitCode(signal: NodeJS.Signals | undefined): number | undefined {
  if (!signal) return undefined;
  const n = os.constants.signals[signal];
  return n === undefined ? undefined : 128 + n;
}

/** One attempt as the runner sees it. */
export interface AttemptResult extends AttemptOutcome {
  readonly ok: boolean;
  /** Not retried whatever the strategy says (timeouts, aborted runs, jobs that cannot start). */
  readonly final?: boolean;
  readonly logFile: string;
}

export function outcomeOf(exit: ProcessExit, spot: boolean, logFile: string): AttemptResult {
  if (exit.killed) return { ok: false, final: true, statusReason: ABORT_STATUS_REASON, logFile };
  if (exit.stopped) return { ok: true, statusReason: MAIN_NODE_EXITED_STATUS_REASON, logFile };
  if (spot) return { ok: false, statusReason: SPOT_STATUS_REASON, logFile };
  // Batch does not retry an attempt it ended for exceeding the timeout.
  if (exit.timedOut) return { ok: false, final: true, statusReason: TIMEOUT_STATUS_REASON, logFile };
  if (exit.spawnError) {
    return { ok: false, statusReason: `CannotStartContainerError: ${exit.spawnError}`, logFile };
  }
  const exitCode = exit.exitCode ?? signalExitCode(exit.signal);
  return { ok: exitCode === 0, statusReason: EXIT_STATUS_REASON, exitCode, logFile };
}
