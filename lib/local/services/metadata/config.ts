import * as fs from 'fs';
import * as path from 'path';

/** Variable naming the metaflow-service source tree when `--metadata-service-src` is not given. */
export const METADATA_SERVICE_SRC_ENV = 'MFCDK_METADATA_SERVICE_SRC';
/** Variable naming PostgreSQL's bin directory (initdb, postgres, psql, pg_isready) when it is not found. */
export const POSTGRES_BIN_ENV = 'MFCDK_POSTGRES_BIN';
/** Debian's interpreter, where `python3-aiohttp python3-aiopg python3-psycopg2` install the service's imports. */
export const DEFAULT_SERVICE_PYTHON = '/usr/bin/python3';

/** Something the local metadata service needs is missing or broken; the message names it and the fix. */
export class MetadataServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataServiceError';
  }
}

/** What the local metadata service runs: the service's source tree, its interpreter and PostgreSQL's binaries. */
export interface MetadataServiceSetup {
  /** metaflow-service source tree (holds `services/metadata_service`). */
  readonly src: string;
  readonly python: string;
  /** PostgreSQL's bin directory. */
  readonly postgresBin: string;
  /** The service's package version (`setup.py`), for the `metadata_service` dist-info it reads at import. */
  readonly version: string;
}

/** The source tree from the option or the variable, checked; the error says how to give it. */
export function resolveServiceSource(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = given ?? env[METADATA_SERVICE_SRC_ENV];
  if (raw === undefined || raw === '') {
    throw new MetadataServiceError(
      `Metaflow's metadata service runs here from its source: pass --metadata-service-src <dir> or set ${METADATA_SERVICE_SRC_ENV} ` +
        'to a checkout of github.com/Netflix/metaflow-service (the folder that holds services/metadata_service)',
    );
  }
  const src = path.resolve(raw);
  if (!fs.existsSync(path.join(src, 'services', 'metadata_service', 'server.py'))) {
    throw new MetadataServiceError(
      `${src} is not a metaflow-service source tree (no services/metadata_service/server.py): point --metadata-service-src or ${METADATA_SERVICE_SRC_ENV} at the folder that holds services/`,
    );
  }
  return src;
}

/** `version="2.5.1"` of the service's setup.py. */
export function serviceVersion(setupPy: string | undefined): string {
  return /\bversion\s*=\s*["']([^"']+)["']/.exec(setupPy ?? '')?.[1] ?? '0.0.0';
}

/** Highest `/usr/lib/postgresql/<major>/bin` holding initdb (Debian's layout), else one on PATH. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env, debianRoot = '/usr/lib/postgresql'): string {
  const hasTools = (dir: string): boolean => ['initdb', 'postgres', 'psql', 'pg_isready'].every((tool) => fs.existsSync(path.join(dir, tool)));
  const given = env[POSTGRES_BIN_ENV];
  if (given) {
    if (!hasTools(given)) throw new MetadataServiceError(`${POSTGRES_BIN_ENV}=${given} lacks initdb, postgres, psql or pg_isready: point it at PostgreSQL's bin directory`);
    return given;
  }
  const majors = fs.existsSync(debianRoot) ? fs.readdirSync(debianRoot).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) if (hasTools(path.join(debianRoot, major, 'bin'))) return path.join(debianRoot, major, 'bin');
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir && hasTools(dir)) return dir;
  throw new MetadataServiceError(
    `PostgreSQL is not installed (no initdb, postgres, psql and pg_isready in ${debianRoot}/<version>/bin or on PATH): ` +
      `install it (Debian: apt-get install postgresql) or set ${POSTGRES_BIN_ENV} to its bin directory`,
  );
}

/** Everything `--metadata-service` needs, found and checked before the run starts. */
export function resolveMetadataServiceSetup(options: { src?: string; python?: string } = {}, env: NodeJS.ProcessEnv = process.env): MetadataServiceSetup {
  const src = resolveServiceSource(options.src, env);
  const python = options.python ?? DEFAULT_SERVICE_PYTHON;
  if (path.isAbsolute(python) && !fs.existsSync(python)) {
    throw new MetadataServiceError(`the metadata service's interpreter ${python} does not exist: pass --python <interpreter that imports aiohttp, aiopg and psycopg2>`);
  }
  const setupPy = path.join(src, 'setup.py');
  return { src, python, postgresBin: findPostgresBin(env), version: serviceVersion(fs.existsSync(setupPy) ? fs.readFileSync(setupPy, 'utf-8') : undefined) };
}

/** The variables that point a Metaflow task (or Metaflow's client) at the service. */
export function metaflowServiceEnv(url: string): Record<string, string> {
  return { METAFLOW_SERVICE_URL: url, METAFLOW_DEFAULT_METADATA: 'service', METAFLOW_SERVICE_HEADERS: '{}' };
}

/** The service's own settings (`services/utils` DBConfiguration, `server.py`). */
export function serviceProcessEnv(db: { port: number }, service: { port: number }): Record<string, string> {
  return {
    MF_METADATA_DB_HOST: '127.0.0.1',
    MF_METADATA_DB_PORT: String(db.port),
    MF_METADATA_DB_USER: 'postgres',
    MF_METADATA_DB_PSWD: 'postgres',
    MF_METADATA_DB_NAME: 'postgres',
    MF_METADATA_HOST: '127.0.0.1',
    MF_METADATA_PORT: String(service.port),
    LOGLEVEL: 'WARNING',
  };
}

/** What Metaflow's client needs to read a local run: the service, and the local S3 where the artifacts are. */
export function metaflowClientEnv(options: { serviceUrl: string; s3Endpoint: string; datastoreRoot?: string }): Record<string, string> {
  return {
    ...metaflowServiceEnv(options.serviceUrl),
    METAFLOW_DEFAULT_DATASTORE: 's3',
    ...(options.datastoreRoot !== undefined ? { METAFLOW_DATASTORE_SYSROOT_S3: options.datastoreRoot } : {}),
    METAFLOW_S3_ENDPOINT_URL: options.s3Endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
}
