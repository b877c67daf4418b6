import * as fs from 'fs';
import * as path from 'path';
import { MetadataServiceError, serviceProcessEnv, type MetadataServiceSetup } from './config';
import { answers, freePort, startServer, waitUntilReady, wrapped, type ServerProcess } from './processes';

const PING_TIMEOUT_MS = 60_000;

export interface RunningService {
  readonly url: string;
  readonly server: ServerProcess;
  stop(): Promise<void>;
}

/**
 * `services/utils` reads its own version with `importlib.metadata.version("metadata_service")`, which only a
 * pip-installed package has: a minimal dist-info on PYTHONPATH stands in for the installation.
 */
export function writeDistInfoShim(dir: string, version: string): string {
  const distInfo = path.join(dir, `metadata_service-${version}.dist-info`);
  fs.mkdirSync(distInfo, { recursive: true });
  fs.writeFileSync(path.join(distInfo, 'METADATA'), `Metadata-Version: 2.1\nName: metadata_service\nVersion: ${version}\n`);
  return dir;
}

/** Starts Metaflow's metadata service on 127.0.0.1 (on `port`, else a free one) over the given database and waits for `/ping`. */
export async function startService(setup: MetadataServiceSetup, options: { dbPort: number; dir: string; logFile: string; port?: number }): Promise<RunningService> {
  const shim = writeDistInfoShim(path.join(options.dir, 'python-shim'), setup.version);
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    PYTHONPATH: [setup.src, shim].join(path.delimiter),
    PYTHONUNBUFFERED: '1',
    ...serviceProcessEnv({ port: options.dbPort }, { port }),
  };
  const server = startServer('the metadata service', wrapped([setup.python, '-m', 'services.metadata_service.server'], { deathSignal: 'SIGTERM' }), {
    env,
    logFile: options.logFile,
    cwd: setup.src,
  });
  try {
    await waitUntilReady(server, `answer ${url}/ping`, () => answers(`${url}/ping`, 1000), PING_TIMEOUT_MS);
  } catch (error) {
    await server.stop('SIGTERM', 2000);
    throw new MetadataServiceError(`${(error as Error).message}\n(the service runs with ${setup.python}; it needs aiohttp, aiopg, psycopg2, packaging and boto3: Debian python3-aiohttp python3-aiopg python3-psycopg2 python3-packaging python3-boto3, or pass --python)`);
  }
  return { url, server, stop: () => server.stop('SIGTERM', 5000) };
}
