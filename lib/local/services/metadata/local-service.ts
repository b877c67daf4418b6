import * as fs from 'fs';
import * as path from 'path';
import { metaflowServiceEnv, type MetadataServiceSetup } from './config';
import { migrationScript, readMigrations } from './migrations';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres';
import { answers } from './processes';
import { startService, type RunningService } from './service';

/** Folder of a run (`<runDir>/metadata-service`) that holds the database, the logs and what `serve` needs. */
export const METADATA_SERVICE_DIR = 'metadata-service';
/** The database's data directory inside it: removed after the run unless kept. */
export const DATA_DIR = 'pgdata';
/** `{ "postgres": pid, "service": pid }` while they run. */
export const PIDS_FILE = 'pids.json';

/** Metaflow's metadata service over a PostgreSQL of its own, both on 127.0.0.1. */
export interface LocalMetadataService {
  readonly url: string;
  /** What points a Metaflow task (or the client) at it. */
  readonly env: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly pids: { readonly postgres: number; readonly service: number };
  /** Stops the service, then the database; removes the data directory unless kept. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Calls `onUnavailable` once, with the reason, when the service or its database exits or the service has not
   * answered `/ping` for `answerTimeoutMs`. Returns the function that ends the watch.
   */
  watch(onUnavailable: (reason: string) => void, options?: WatchOptions): () => void;
}

export interface WatchOptions {
  /** @default 1000 */
  readonly intervalMs?: number;
  /** @default 15000 */
  readonly answerTimeoutMs?: number;
}

export interface LocalMetadataServiceOptions {
  readonly setup: MetadataServiceSetup;
  /** The folder it lives in (`<runDir>/metadata-service`). */
  readonly dir: string;
  /** Keep the data directory after `stop()` (to browse the run later). @default false */
  readonly keep?: boolean;
  /** Port of the service. @default a free one */
  readonly port?: number;
}

/**
 * Starts a throwaway PostgreSQL (new, or a kept run's data directory as it is), applies the service's migrations to
 * a new one, starts the service and waits for it to answer. A failure stops what started and throws.
 */
export async function startLocalMetadataService(options: LocalMetadataServiceOptions): Promise<LocalMetadataService> {
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, DATA_DIR);
  const socketDir = path.join(dir, 'socket');
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  let postgres: ThrowawayPostgres | undefined;
  let service: RunningService | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await service?.stop();
      await postgres?.stop();
      fs.rmSync(socketDir, { recursive: true, force: true });
      fs.rmSync(path.join(dir, PIDS_FILE), { force: true });
      fs.rmSync(path.join(dir, 'python-shim'), { recursive: true, force: true });
      if (!options.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    postgres = await startThrowawayPostgres({ bin: options.setup.postgresBin, dataDir, socketDir, logFile: path.join(dir, 'postgres.log') });
    if (fresh) await postgres.psql(migrationScript(readMigrations(options.setup.src)));
    service = await startService(options.setup, { dbPort: postgres.port, dir, logFile: path.join(dir, 'service.log'), port: options.port });
  } catch (error) {
    await stop();
    throw error;
  }
  const running = { postgres: postgres.server, service: service.server };
  // what to end by hand if this process is killed where setpriv's parent-death signal is not available
  fs.writeFileSync(path.join(dir, PIDS_FILE), `${JSON.stringify({ postgres: running.postgres.pid, service: running.service.pid })}\n`);
  return {
    url: service.url,
    env: metaflowServiceEnv(service.url),
    dir,
    pids: { postgres: running.postgres.pid, service: running.service.pid },
    stop,
    watch: (onUnavailable, watchOptions = {}) => watchService(service!.url, running, onUnavailable, watchOptions),
  };
}

function watchService(
  url: string,
  servers: { postgres: RunningService['server']; service: RunningService['server'] },
  onUnavailable: (reason: string) => void,
  options: WatchOptions,
): () => void {
  const intervalMs = options.intervalMs ?? 1000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 15_000;
  let lastAnswer = Date.now();
  let probing = false;
  let done = false;
  const report = (reason: string): void => {
    if (done) return;
    done = true;
    clearInterval(timer);
    onUnavailable(reason);
  };
  const timer = setInterval(() => {
    for (const server of [servers.service, servers.postgres]) {
      if (server.exit !== undefined) {
        const how = server.exit.signal ? `signal ${server.exit.signal}` : `code ${server.exit.code}`;
        return report(`${server.name} of the run exited (${how}) while the run was going; see ${server.logFile}`);
      }
    }
    if (Date.now() - lastAnswer > answerTimeoutMs) {
      return report(`the local metadata service at ${url} did not answer /ping for ${Math.round(answerTimeoutMs / 1000)} s; see ${servers.service.logFile}`);
    }
    if (probing) return;
    probing = true;
    void answers(`${url}/ping`, Math.min(answerTimeoutMs, 5000)).then((ok) => {
      probing = false;
      if (ok) lastAnswer = Date.now();
    });
  }, intervalMs);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
  };
}
