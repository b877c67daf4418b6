import * as fs from 'fs';
import * as path from 'path';
import { resolveMetadataServiceSetup } from '../../lib/local/services/metadata/config';
import { serveKeptRun } from '../../lib/local/services/metadata/browse';
import { DATA_DIR, METADATA_SERVICE_DIR } from '../../lib/local/services/metadata/local-service';
import type { CheckServices, HarnessSetup, RunLocation } from './combination';

/** `run --local` arguments that keep what the checkers read: the run's metadata service and its database. */
export const KEEP_RUN_ARGS = ['--metadata-service', '--keep-metadata'] as const;

/**
 * The servers Metaflow's checkers read a finished run through: the metadata service over the database the run kept
 * and the local S3 over its artifacts (`metaflow-cdk local-metadata serve`). The database is removed after the checks
 * unless `keepData` (a run's PostgreSQL data is ~40 MB).
 */
export function checkServicesOver(setup: HarnessSetup, keepData = false): (run: RunLocation) => Promise<CheckServices> {
  const serviceSetup = resolveMetadataServiceSetup({ python: setup.python });
  return async (run) => {
    const served = await serveKeptRun(run.runDir, serviceSetup);
    return {
      env: { ...served.env, AWS_ENDPOINT_URL_S3: served.env.METAFLOW_S3_ENDPOINT_URL },
      stop: async () => {
        await served.stop();
        if (!keepData) fs.rmSync(path.join(run.runDir, METADATA_SERVICE_DIR, DATA_DIR), { recursive: true, force: true });
      },
    };
  };
}
