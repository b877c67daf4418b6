import * as fs from 'fs';
import * as path from 'path';
import { startLocalServers } from '../servers';
import { MetadataServiceError, metaflowClientEnv, type MetadataServiceSetup } from './config';
import { DATA_DIR, METADATA_SERVICE_DIR, startLocalMetadataService } from './local-service';
import { BROWSE_FILE, type BrowseInfo } from './run-hook';

/** A kept run served again: the variables for Metaflow's client, until `stop()`. */
export interface ServedRun {
  readonly info: BrowseInfo;
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** The kept run's browse record; the error says how to keep one. */
export function readKeptRun(runDir: string): BrowseInfo {
  const dir = path.join(path.resolve(runDir), METADATA_SERVICE_DIR);
  const file = path.join(dir, BROWSE_FILE);
  if (!fs.existsSync(file) || !fs.existsSync(path.join(dir, DATA_DIR, 'PG_VERSION'))) {
    throw new MetadataServiceError(
      `${path.resolve(runDir)} holds no kept metadata (${path.join(METADATA_SERVICE_DIR, DATA_DIR)}): give the run directory ` +
        '(<run root>/<flow>/<run id>, printed when the run starts) of a run made with `run --local --metadata-service --keep-metadata`',
    );
  }
  return JSON.parse(fs.readFileSync(file, 'utf-8')) as BrowseInfo;
}

/**
 * Starts the database and the service over a kept run's data, and the local S3 over its artifacts. The service takes
 * the URL it had during the run when that port is free (artifacts that pickle a client object, such as a `Task`, name
 * that URL and call it when unpickled), else another.
 */
export async function serveKeptRun(runDir: string, setup: MetadataServiceSetup): Promise<ServedRun> {
  const info = readKeptRun(runDir);
  const dir = path.join(path.resolve(runDir), METADATA_SERVICE_DIR);
  const port = info.serviceUrl ? Number(new URL(info.serviceUrl).port) : undefined;
  const service = await startLocalMetadataService({ setup, dir, keep: true, port }).catch((error: unknown) => {
    if (port === undefined) throw error;
    return startLocalMetadataService({ setup, dir, keep: true });
  });
  let servers;
  try {
    servers = await startLocalServers({ s3Directory: info.s3Directory });
  } catch (error) {
    await service.stop();
    throw error;
  }
  const s3 = servers;
  return {
    info,
    env: metaflowClientEnv({ serviceUrl: service.url, s3Endpoint: s3.s3Endpoint, datastoreRoot: info.datastoreRoot }),
    stop: async () => {
      await Promise.all([service.stop(), s3.stop()]);
    },
  };
}
