import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';

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
}

export interface SpawnSpec {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** File that receives stdout and stderr. */
  readonly logFile: string;
  /** Written at the top of the log file before the process starts. */
  readonly logHeader?: string;
  /** Kill the whole process tree after this many ms. */
  readonly timeoutMs?: number;
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

/**
 * Every process the engine started, each the leader of its own process group (spawned detached),
 * so a timeout or an aborted run ends the whole tree a step started, not only its shell.
 */
export class ProcessRegistry {
  private readonly live = new Map<number, ChildProcess>();
  private closed = false;

  get size(): number {
    return this.live.size;
  }

  /** Pids (process group ids) currently running. */
  pids(): number[] {
    return [...this.live.keys()];
  }

  run(spec: SpawnSpec): Promise<ProcessExit> {
    if (this.closed) return Promise.resolve({ timedOut: false, killed: true });
    return new Promise((resolve) => {
      const log = fs.openSync(spec.logFile, 'a');
      if (spec.logHeader) fs.writeSync(log, spec.logHeader);
      let child: ChildProcess;
      try {
        child = spawn(spec.command[0], spec.command.slice(1), {
          cwd: spec.cwd,
          env: spec.env,
          detached: true,
          stdio: ['ignore', log, log],
        });
      } catch (error) {
        fs.closeSync(log);
        resolve({ timedOut: false, killed: false, spawnError: error instanceof Error ? error.message : String(error) });
        return;
      }
      fs.closeSync(log);
      let timedOut = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const pid = child.pid;
      if (pid !== undefined) this.live.set(pid, child);
      if (spec.timeoutMs !== undefined && pid !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          killGroup(pid, 'SIGTERM');
          killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
        }, spec.timeoutMs);
      }
      const finish = (exit: ProcessExit): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        if (pid !== undefined) {
          this.live.delete(pid);
          // the leader is gone; end anything it left behind in its group
          killGroup(pid, 'SIGKILL');
        }
        resolve(exit);
      };
      child.on('error', (error) => {
        fs.appendFileSync(spec.logFile, `metaflow-cdk local: cannot start ${spec.command[0]}: ${error.message}\n`);
        finish({ timedOut: false, killed: this.closed, spawnError: error.message });
      });
      child.on('exit', (code, signal) => {
        finish({ exitCode: code ?? undefined, signal: signal ?? undefined, timedOut, killed: this.closed });
      });
    });
  }

  /** Ends every process tree (SIGTERM, then SIGKILL after a grace) and refuses new ones; resolves when all exited. */
  async killAll(graceMs = KILL_GRACE_MS): Promise<void> {
    this.closed = true;
    const children = [...this.live.entries()];
    if (children.length === 0) return;
    const exited = children.map(
      ([, child]) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        }),
    );
    for (const [pid] of children) killGroup(pid, 'SIGTERM');
    const hard = setTimeout(() => {
      for (const [pid] of children) killGroup(pid, 'SIGKILL');
    }, graceMs);
    await Promise.all(exited);
    clearTimeout(hard);
    for (const [pid] of children) killGroup(pid, 'SIGKILL');
  }
}
