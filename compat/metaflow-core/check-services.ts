import * as path from 'path';
import { startLocalServers } from '../../lib/local/services/servers';
import type { CheckServices, HarnessSetup, RunLocation } from './combination';

/**
 * The servers Metaflow's checkers read a finished run through: the local S3 over the run root's objects (kept on
 * disk across runs) and the metadata service over the database the run kept.
 */
export function checkServicesOver(_setup: HarnessSetup): (run: RunLocation) => Promise<CheckServices> {
  return async (run) => {
    const servers = await startLocalServers({ s3Directory: path.join(run.runRoot, 's3') });
    return {
      env: { ...servers.env, METAFLOW_S3_ENDPOINT_URL: servers.s3Endpoint },
      stop: () => servers.stop(),
    };
  };
}
