import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MetadataServiceError } from './config';
import { freePort, logTail, runningAsRoot, startServer, waitUntilReady, wrapped, type ServerProcess } from './processes';

/** PostgreSQL's superuser and the OS user it runs as when this process is root. */
const PG_USER = 'postgres';
const READY_TIMEOUT_MS = 30_000;
/** Fast shutdown (SIGINT) ends the service's open connections; a smart one (SIGTERM) would wait for them. */
const STOP_SIGNAL: NodeJS.Signals = 'SIGINT';

export interface ThrowawayPostgres {
  readonly port: number;
  readonly server: ServerProcess;
  /** Runs a psql script on the `postgres` database (autocommit, stops at the first error). */
  psql(script: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** PostgreSQL's bin directory. */
  readonly bin: string;
  /** Data directory: created with initdb when empty, reused as it is otherwise (a kept run's). */
  readonly dataDir: string;
  /**
   * Unix socket directory (PostgreSQL's default one under /var/run is not ours to use). Clients use TCP; when the
   * socket's path would pass Linux's 107 bytes, PostgreSQL listens on TCP only.
   */
  readonly socketDir: string;
  readonly logFile: string;
}

/** `''` (no Unix socket) when `<dir>/.s.PGSQL.<port>.lock` would not fit a socket address. */
export function socketDirFor(dir: string): string {
  return Buffer.byteLength(path.join(dir, '.s.PGSQL.65535.lock')) <= 107 ? dir : '';
}

function asPostgresUser(): string | undefined {
  return runningAsRoot() ? PG_USER : undefined;
}

function initdb(options: PostgresOptions): void {
  const argv = wrapped(
    [path.join(options.bin, 'initdb'), '-D', options.dataDir, '-U', PG_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions', '--no-sync'],
    { user: asPostgresUser() },
  );
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf-8' });
  fs.appendFileSync(options.logFile, `$ ${argv.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.status !== 0) {
    const hint = runningAsRoot()
      ? ` (as root, PostgreSQL runs as the "${PG_USER}" user, which needs to reach ${options.dataDir}: give --run-root a folder every user can traverse)`
      : '';
    throw new MetadataServiceError(`initdb of the local metadata database failed${hint}; ${options.logFile} ends with:\n${logTail(options.logFile)}`);
  }
}

function prepareDirs(options: PostgresOptions): boolean {
  const fresh = !fs.existsSync(path.join(options.dataDir, 'PG_VERSION'));
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(options.socketDir, { recursive: true, mode: 0o700 });
  if (runningAsRoot()) {
    const id = spawnSync('id', ['-u', PG_USER], { encoding: 'utf-8' });
    const gid = spawnSync('id', ['-g', PG_USER], { encoding: 'utf-8' });
    if (id.status !== 0) throw new MetadataServiceError(`PostgreSQL refuses to run as root and there is no "${PG_USER}" user to run it as: install PostgreSQL from the distribution (it creates the user) or run metaflow-cdk as another user`);
    for (const dir of [options.dataDir, options.socketDir]) fs.chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  return fresh;
}

function isReady(options: PostgresOptions, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn(path.join(options.bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', 'postgres', '-t', '1'], { stdio: 'ignore' });
    probe.once('exit', (code) => resolve(code === 0));
    probe.once('error', () => resolve(false));
  });
}

/**
 * A PostgreSQL of its own on 127.0.0.1 and a free port: data and socket in the given folders, trust authentication
 * (loopback only), durability traded for speed (a throwaway database). Dies with this process (parent-death signal).
 */
export async function startThrowawayPostgres(options: PostgresOptions): Promise<ThrowawayPostgres> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  if (prepareDirs(options)) initdb(options);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const argv = wrapped(
      [
        path.join(options.bin, 'postgres'), '-D', options.dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', socketDirFor(options.socketDir),
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=60',
      ],
      { user: asPostgresUser(), deathSignal: STOP_SIGNAL },
    );
    const server = startServer('PostgreSQL', argv, { env: { PATH: process.env.PATH, LANG: 'C' }, logFile: options.logFile });
    try {
      await waitUntilReady(server, 'accept connections', () => isReady(options, port), READY_TIMEOUT_MS);
    } catch (error) {
      lastError = error;
      await server.stop(STOP_SIGNAL, 2000);
      if (/could not bind|Address already in use/i.test(logTail(options.logFile, 20))) continue; // the port was taken meanwhile
      break;
    }
    return {
      port,
      server,
      psql: (script) => runPsql(options, port, script),
      stop: () => server.stop(STOP_SIGNAL, 10_000),
    };
  }
  throw new MetadataServiceError(`the local metadata database did not start: ${(lastError as Error).message}`);
}

function runPsql(options: PostgresOptions, port: number, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const psql = spawn(path.join(options.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', 'postgres', '-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    psql.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    psql.once('error', reject);
    psql.once('exit', (code) => (code === 0 ? resolve() : reject(new MetadataServiceError(`applying the metadata service's migrations failed (psql exit ${code}):\n${stderr.trim()}`))));
    psql.stdin.end(script);
  });
}
