import { ChildProcess, spawn } from 'child_process';

/**
 * Node's `spawn` forks synchronously: the calling thread waits until the child has exec'd, longer the more memory
 * the caller holds (a jest worker, the CLI with a cloud assembly loaded). A wide foreach starts thousands of
 * processes, so the engine starts them from small launcher processes instead (plain Node, no loader, a few MB),
 * two at a time on two cores. A launcher that loses its parent ends every process tree it started, so even a
 * killed engine leaves nothing behind.
 */
const LAUNCHER_SOURCE = String.raw`/* metaflow-cdk local process launcher */
const { spawn } = require('child_process');
const fs = require('fs');
const live = new Set();
const killGroup = (pid, signal) => { try { process.kill(-pid, signal); } catch {} };
let closing = false;
// The engine may go away between the connected check and the write: the write then fails (EPIPE), which must end
// the launcher's processes like a disconnect does, not crash the launcher and leave them running.
const send = (message) => { if (process.connected) process.send(message, (error) => { if (error) endAll(); }); };
process.on('message', (m) => {
  if (closing) return;
  let log;
  try {
    log = fs.openSync(m.logFile, 'a');
    if (m.logHeader) fs.writeSync(log, m.logHeader);
    const child = spawn(m.command[0], m.command.slice(1), { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    log = undefined;
    let done = false;
    if (child.pid !== undefined) { live.add(child.pid); send({ id: m.id, pid: child.pid }); }
    child.on('error', (error) => {
      if (done) return;
      done = true;
      if (child.pid !== undefined) live.delete(child.pid);
      fs.appendFileSync(m.logFile, 'metaflow-cdk local: cannot start ' + m.command[0] + ': ' + error.message + '\n');
      send({ id: m.id, spawnError: error.message });
    });
    child.on('exit', (code, signal) => {
      if (done) return;
      done = true;
      live.delete(child.pid);
      send({ id: m.id, exitCode: code === null ? undefined : code, signal: signal === null ? undefined : signal });
    });
  } catch (error) {
    if (log !== undefined) fs.closeSync(log);
    send({ id: m.id, spawnError: error instanceof Error ? error.message : String(error) });
  }
});
// A group outlives its leader when a member ignores SIGTERM, so every group signalled gets SIGKILL at the end.
function endAll() {
  if (closing) return;
  closing = true;
  const groups = [...live];
  for (const pid of groups) killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 2000;
  setInterval(() => {
    if (live.size > 0 && Date.now() < deadline) return;
    for (const pid of groups) killGroup(pid, 'SIGKILL');
    process.exit(0);
  }, 20);
}
process.on('disconnect', endAll);
`;

export interface LaunchSpec {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** File that receives stdout and stderr. */
  readonly logFile: string;
  /** Written at the top of the log file before the process starts. */
  readonly logHeader?: string;
}

export interface LaunchEvents {
  /** The process started: `pid` leads its own process group. */
  onPid(pid: number): void;
  onExit(exit: { exitCode?: number; signal?: NodeJS.Signals; spawnError?: string }): void;
}

type LauncherMessage = { id: number; pid?: number; exitCode?: number; signal?: NodeJS.Signals; spawnError?: string };

/** One launcher process; `pending` counts the processes it started (or is starting) that have not ended. */
export class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, LaunchEvents>();
  private nextId = 0;

  constructor() {
    this.child = spawn(process.execPath, ['-e', LAUNCHER_SOURCE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    this.child.on('message', (raw) => {
      const message = raw as LauncherMessage;
      const events = this.waiting.get(message.id);
      if (!events) return;
      if (message.pid !== undefined) return events.onPid(message.pid);
      this.settle(message.id, { exitCode: message.exitCode, signal: message.signal, spawnError: message.spawnError });
    });
    const gone = (why: string): void => {
      for (const id of [...this.waiting.keys()]) this.settle(id, { spawnError: why });
    };
    this.child.on('exit', () => gone('the local process launcher exited'));
    this.child.on('error', (error) => gone(`the local process launcher failed: ${error.message}`));
    this.idle();
  }

  /** False once the launcher process is gone (or closed). */
  get alive(): boolean {
    return this.child.connected;
  }

  get pending(): number {
    return this.waiting.size;
  }

  launch(spec: LaunchSpec, events: LaunchEvents): void {
    if (!this.child.connected) {
      events.onExit({ spawnError: 'the local process launcher is closed' });
      return;
    }
    const id = this.nextId++;
    this.waiting.set(id, events);
    if (this.waiting.size === 1) this.busy();
    this.child.send({ id, ...spec });
  }

  /** Ends the launcher (it ends whatever it still runs). */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private settle(id: number, exit: Parameters<LaunchEvents['onExit']>[0]): void {
    const events = this.waiting.get(id);
    if (!events) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.idle();
    events.onExit(exit);
  }

  // An idle launcher must not keep the engine's process alive; a busy one must, until its processes report.
  private idle(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
  }
}
