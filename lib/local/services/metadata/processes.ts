import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';

/** A server process of the local metadata service (PostgreSQL or the service), with its log file. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once it exited. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

let setprivPresent: boolean | undefined;
function hasSetpriv(): boolean {
  setprivPresent ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivPresent;
}

/** True when this process runs as root: PostgreSQL refuses to, so its commands run as the `postgres` user. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The command line that runs `argv` as `user` (when root) and with a parent-death signal (util-linux `setpriv`, which
 * execs without forking): if this Node process dies, even by SIGKILL, the server gets `deathSignal` instead of
 * outliving the run.
 */
export function wrapped(argv: readonly string[], options: { user?: string; deathSignal?: NodeJS.Signals }): string[] {
  const setpriv: string[] = [];
  if (options.user !== undefined) setpriv.push(`--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups');
  if (options.deathSignal !== undefined) setpriv.push(`--pdeathsig=${options.deathSignal.replace(/^SIG/, '')}`);
  if (setpriv.length === 0) return [...argv];
  if (!hasSetpriv()) {
    if (options.user !== undefined) throw new Error(`running ${argv[0]} as ${options.user} needs setpriv (util-linux)`);
    return [...argv];
  }
  return ['setpriv', ...setpriv, '--', ...argv];
}

/** Starts a server in its own process group (a terminal's Ctrl-C reaches the run, which stops it in order). */
export function startServer(name: string, argv: readonly string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string }): ServerProcess {
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { env: options.env, cwd: options.cwd, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let exit: ServerProcess['exit'];
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', (error) => {
      fs.appendFileSync(options.logFile, `\n${name} could not start: ${error.message}\n`);
      exit ??= { code: 127, signal: null };
      resolve();
    });
  });
  child.unref();
  return {
    name,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    get exit() {
      return exit;
    },
    exited,
    async stop(signal, graceMs) {
      if (exit !== undefined || child.pid === undefined) return;
      const send = (s: NodeJS.Signals): void => {
        try {
          process.kill(child.pid!, s);
        } catch {
          // already gone
        }
      };
      send(signal);
      send('SIGCONT'); // a stopped (SIGSTOP) server handles the signal only once continued
      const hard = setTimeout(() => send('SIGKILL'), graceMs);
      await exited;
      clearTimeout(hard);
    },
  };
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The last lines of a log, for an error message. */
export function logTail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf-8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** True when `GET url` answers 200 within `timeoutMs`. */
export function answers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

/**
 * Polls `ready` until it holds, the server exits, or `timeoutMs` passes; the error names which, with the log's tail.
 */
export async function waitUntilReady(server: ServerProcess, what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exit !== undefined) {
      const how = server.exit.signal ? `signal ${server.exit.signal}` : `code ${server.exit.code}`;
      throw new Error(`${server.name} exited (${how}) before it could ${what}; ${server.logFile} ends with:\n${logTail(server.logFile)}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${server.name} did not ${what} within ${Math.round(timeoutMs / 1000)} s; ${server.logFile} ends with:\n${logTail(server.logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
