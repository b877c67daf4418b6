import * as fs from 'fs';
import * as path from 'path';
import type { Json } from '../../template/tokens';
import type { MetadataServiceSetup } from './config';
import { METADATA_SERVICE_DIR, startLocalMetadataService, type LocalMetadataService } from './local-service';

/** What `runLocalFlow` needs to run the metadata service for a run. */
export interface RunMetadataServiceOptions {
  readonly setup: MetadataServiceSetup;
  /** Keep the database after the run, to browse it later (`metaflow-cdk local-metadata serve`). @default false */
  readonly keep?: boolean;
  /** How long the service may go without answering `/ping` before the run fails. @default 15000 */
  readonly answerTimeoutMs?: number;
}

/** What `local-metadata serve` needs besides the database: where the run's artifacts are (`browse.json`). */
export interface BrowseInfo {
  readonly flow: string;
  readonly runId: string;
  /** The local S3 server's directory. */
  readonly s3Directory: string;
  /** `METAFLOW_DATASTORE_SYSROOT_S3` of the flow's tasks, when the definition names it. */
  readonly datastoreRoot?: string;
}
export const BROWSE_FILE = 'browse.json';

/** The first literal `{ Name, Value }` entry with this name anywhere in a (resolved) state machine definition. */
export function envValueIn(definition: Json, name: string): string | undefined {
  if (Array.isArray(definition)) {
    for (const item of definition) {
      const found = envValueIn(item, name);
      if (found !== undefined) return found;
    }
  } else if (definition !== null && typeof definition === 'object') {
    const entry = definition as Record<string, Json>;
    if (entry.Name === name && typeof entry.Value === 'string') return entry.Value;
    for (const value of Object.values(entry)) {
      const found = envValueIn(value, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Starts the service in `<runDir>/metadata-service` and records what browsing the run later needs. */
export async function startRunMetadataService(
  options: RunMetadataServiceOptions,
  run: { runDir: string; flow: string; runId: string; s3Directory: string; definition: Json },
): Promise<LocalMetadataService> {
  const dir = path.join(run.runDir, METADATA_SERVICE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const info: BrowseInfo = { flow: run.flow, runId: run.runId, s3Directory: run.s3Directory, datastoreRoot: envValueIn(run.definition, 'METAFLOW_DATASTORE_SYSROOT_S3') };
  fs.writeFileSync(path.join(dir, BROWSE_FILE), `${JSON.stringify(info, null, 2)}\n`);
  const service = await startLocalMetadataService({ setup: options.setup, dir, keep: options.keep });
  return { ...service, watch: (onUnavailable, watch) => service.watch(onUnavailable, { answerTimeoutMs: options.answerTimeoutMs, ...watch }) };
}
