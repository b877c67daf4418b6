import * as os from 'os';
import { Launcher, type LaunchSpec } from './launcher';

/** How one local process ended. */
export interface ProcessExit {
  /** Exit code, or undefined when a signal ended it. */
  readonly exitCode?: number;
  readonly signal?: NodeJS.Signals;
  /** True when `timeoutMs` elapsed and the engine killed the process tree. */
  readonly timedOut: boolean;
  /** True when the registry killed it (run aborted). */
  readonly killed: boolean;
  /** The process could not start (e.g. command not found). */
  readonly spawnError?: string;
  /** True when the spec's `signal` ended it. */
  readonly stopped?: boolean;
}

export interface SpawnSpec extends LaunchSpec {
  /** Kill the whole process tree after this many ms. */
  readonly timeoutMs?: number;
  /** Aborting it ends the process tree (e.g. the other nodes of a multi-node job once its main node exited). */
  readonly signal?: AbortSignal;
}

/** Grace between SIGTERM and SIGKILL when a tree is ended. */
const KILL_GRACE_MS = 2000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

interface LiveProcess {
  pid?: number;
  readonly ended: Promise<void>;
}

/**
 * Launchers of this process, shared by every registry (runs, tests, benchmark repetitions): one per core, at most 4.
 * They are started once, idle ones do not keep the process alive, and they end with it.
 */
const launchers: Launcher[] = [];

function launcherCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** Starts the launchers ahead of the first task (the engine does it while the local servers start). */
export function prestartLaunchers(): void {
  for (let i = launchers.length - 1; i >= 0; i--) if (!launchers[i].alive) launchers.splice(i, 1);
  while (launchers.length < launcherCount()) launchers.push(new Launcher());
}

/** Ends this registry's launchers (and whatever they still run); the next run starts new ones. */
export function closeLaunchers(): void {
  for (const launcher of launchers.splice(0)) launcher.close();
}

/** The least busy launcher. */
function pickLauncher(): Launcher {
  prestartLaunchers();
  return launchers.reduce((a, b) => (b.pending < a.pending ? b : a));
}

/**
 * Every process the engine started, each the leader of its own process group (spawned detached),
 * so a timeout or an aborted run ends the whole tree a step started, not only its shell.
 * Processes are started by the launcher processes (see `launcher.ts`).
 */
export class ProcessRegistry {
  private readonly processes = new Set<LiveProcess>();
  private closed = false;

  get size(): number {
    return this.pids().length;
  }

  /** Pids (process group ids) currently running. */
  pids(): number[] {
    return [...this.processes].flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  run(spec: SpawnSpec): Promise<ProcessExit> {
    if (this.closed) return Promise.resolve({ timedOut: false, killed: true });
    let resolveEnded!: () => void;
    const record: LiveProcess = { ended: new Promise<void>((resolve) => (resolveEnded = resolve)) };
    this.processes.add(record);
    return new Promise((resolve) => {
      let timedOut = false;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const end = (pid: number): void => {
        killGroup(pid, 'SIGTERM');
        killTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      };
      const onAbort = (): void => {
        stopped = true;
        if (record.pid !== undefined) end(record.pid);
      };
      if (spec.signal?.aborted) stopped = true;
      else spec.signal?.addEventListener('abort', onAbort, { once: true });
      const { signal: _signal, timeoutMs: _timeout, ...launch } = spec;
      pickLauncher().launch(launch, {
        onPid: (pid) => {
          record.pid = pid;
          // `closed`: it started while the run was being stopped
          if (stopped || this.closed) end(pid);
          else if (spec.timeoutMs !== undefined) {
            timer = setTimeout(() => {
              timedOut = true;
              end(pid);
            }, spec.timeoutMs);
          }
        },
        onExit: ({ exitCode, signal, spawnError }) => {
          spec.signal?.removeEventListener('abort', onAbort);
          if (timer) clearTimeout(timer);
          if (killTimer) clearTimeout(killTimer);
          // the leader is gone; end anything it left behind in its group
          if (record.pid !== undefined) killGroup(record.pid, 'SIGKILL');
          this.processes.delete(record);
          resolveEnded();
          resolve(
            spawnError !== undefined
              ? { timedOut: false, killed: this.closed, spawnError }
              : { exitCode, signal, timedOut, killed: this.closed, ...(stopped ? { stopped } : {}) },
          );
        },
      });
    });
  }

  /** Ends every process tree (SIGTERM, then SIGKILL after a grace) and refuses new ones; resolves when all exited. */
  async killAll(graceMs = KILL_GRACE_MS): Promise<void> {
    this.closed = true;
    const running = [...this.processes];
    for (const p of running) if (p.pid !== undefined) killGroup(p.pid, 'SIGTERM');
    const hard = setTimeout(() => {
      for (const p of running) if (p.pid !== undefined) killGroup(p.pid, 'SIGKILL');
    }, graceMs);
    await Promise.all(running.map((p) => p.ended));
    clearTimeout(hard);
  }
}
