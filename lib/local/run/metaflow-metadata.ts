import * as fs from 'fs';
import * as path from 'path';

/**
 * Metaflow's local metadata of every task of the run (each attempt wrote it under `metaflow/.metaflow` of its own
 * working directory), merged into `<runRoot>/.metaflow`: with `METAFLOW_DATASTORE_SYSROOT_LOCAL=<runRoot>`,
 * `METAFLOW_DEFAULT_METADATA=local` and the run's S3 reachable, Metaflow's client (`from metaflow import Flow`) reads
 * the run. It is what Metaflow's own `batch` command does after a job (`sync_local_metadata_from_datastore`).
 * Returns the folder, or undefined when no task wrote Metaflow metadata.
 */
export function collectLocalMetadata(runDir: string, runRoot: string): string | undefined {
  const work = path.join(runDir, 'work');
  if (!fs.existsSync(work)) return undefined;
  const target = path.join(runRoot, '.metaflow');
  let found = false;
  for (const step of fs.readdirSync(work)) {
    for (const attempt of fs.readdirSync(path.join(work, step))) {
      const metadata = path.join(work, step, attempt, 'metaflow', '.metaflow');
      if (!fs.existsSync(metadata)) continue;
      fs.cpSync(metadata, target, { recursive: true, force: true });
      found = true;
    }
  }
  return found ? target : undefined;
}
