import * as fs from 'fs';
import * as path from 'path';
import { LocalRunRefused } from '../../run/metaflow-host-check';
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
  /** `METAFLOW_DATASTORE_SYSROOT_S3` of the flow's tasks, when the definition or its job definitions name it. */
  readonly datastoreRoot?: string;
  /** The service's URL during the run: artifacts that pickle a client object (e.g. a `Task`) name it. */
  readonly serviceUrl?: string;
}
export const BROWSE_FILE = 'browse.json';

/** `METAFLOW_DATASTORE_SYSROOT_S3` of the flow's tasks: Metaflow steps keep it in their job definitions. */
export function datastoreRootOf(jobTexts: readonly string[]): string | undefined {
  return jobTexts.map((text) => envValueIn(JSON.parse(text) as Json, 'METAFLOW_DATASTORE_SYSROOT_S3')).find((root) => root !== undefined);
}

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

/** True when a job of the flow (resolved definition or job definition, as JSON text) names the service provider. */
export function usesMetadataService(jobTexts: readonly string[]): boolean {
  return jobTexts.some((text) => /"Name":\s*"METAFLOW_DEFAULT_METADATA",\s*"Value":\s*"service"/.test(text));
}

/**
 * A flow compiled for a metadata service (its tasks would call the deployed one, which this machine cannot reach, and
 * a `@parallel` control task waits for its workers there) runs locally only with the local service.
 */
export function checkNoServiceNeeded(flowName: string, jobTexts: readonly string[]): void {
  if (!usesMetadataService(jobTexts)) return;
  throw new LocalRunRefused(
    `flow ${flowName} registers its runs with a Metaflow metadata service (its jobs set METAFLOW_DEFAULT_METADATA=service), which a local run cannot reach: ` +
      "add --metadata-service to run Metaflow's metadata service on this machine for the run",
  );
}

/** Starts the service in `<runDir>/metadata-service` and records what browsing the run later needs. */
export async function startRunMetadataService(
  options: RunMetadataServiceOptions,
  run: { runDir: string; flow: string; runId: string; s3Directory: string; jobTexts: readonly string[] },
): Promise<LocalMetadataService> {
  const dir = path.join(run.runDir, METADATA_SERVICE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const info: BrowseInfo = { flow: run.flow, runId: run.runId, s3Directory: run.s3Directory, datastoreRoot: datastoreRootOf(run.jobTexts) };
  const service = await startLocalMetadataService({ setup: options.setup, dir, keep: options.keep });
  fs.writeFileSync(path.join(dir, BROWSE_FILE), `${JSON.stringify({ ...info, serviceUrl: service.url }, null, 2)}\n`);
  return { ...service, watch: (onUnavailable, watch) => service.watch(onUnavailable, { answerTimeoutMs: options.answerTimeoutMs, ...watch }) };
}
