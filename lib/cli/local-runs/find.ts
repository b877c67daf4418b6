import { executionNameFromRunId, runIdFromExecutionName } from '../../runtime/naming';
import { effectiveStatus, readRunRecord, runFolders, type RecordedRunStatus, type RunRecord } from '../../local/run/run-record';
import { CliError } from '../cli-error';

/** A local run: its folder, its record, and the status to show for it. */
export interface LocalRun {
  readonly dir: string;
  readonly record: RunRecord;
  readonly status: RecordedRunStatus;
  /** Why the status differs from the record's (a RUNNING record whose process is gone). */
  readonly note?: string;
}

/** The recorded runs under `runRoot` (of one flow, or of all), newest first; run folders without a record are counted. */
export function localRuns(runRoot: string, flow?: string): { runs: LocalRun[]; unrecorded: number } {
  const folders = runFolders(runRoot, flow);
  const runs: LocalRun[] = [];
  for (const dir of folders) {
    const record = readRunRecord(dir);
    if (record) runs.push({ dir, record, ...effectiveStatus(record) });
  }
  runs.sort((a, b) => b.record.startDate.localeCompare(a.record.startDate));
  return { runs, unrecorded: folders.length - runs.length };
}

/**
 * The run a user names: its run id (`sfn-<uuid>`), its execution name (the uuid) or an unambiguous start of either,
 * in one flow when `flow` is given.
 */
export function findLocalRun(runRoot: string, name: string, flow?: string): LocalRun {
  const { runs } = localRuns(runRoot, flow);
  const wanted = runIdFromExecutionName(executionNameFromRunId(name));
  const exact = runs.filter((run) => run.record.runId === wanted);
  const matches = exact.length ? exact : runs.filter((run) => run.record.runId.startsWith(wanted));
  const where = `${runRoot}${flow ? ` (flow ${flow})` : ''}`;
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const listed = matches.slice(0, 5).map((run) => `${run.record.runId} (${run.record.flow})`).join(', ');
    throw new CliError(`${JSON.stringify(name)} names ${matches.length} local runs under ${where}: ${listed}${matches.length > 5 ? ', ...' : ''}. Give more of the run id${flow ? '' : ', or --flow'}.`);
  }
  const newest = runs.slice(0, 3).map((run) => `${run.record.runId} (${run.record.flow}, ${run.status})`);
  throw new CliError(
    `no local run ${JSON.stringify(name)} under ${where}. ` +
      (newest.length ? `The newest: ${newest.join(', ')}; \`metaflow-cdk runs --local\` lists them all.` : `It holds no recorded runs; start one with \`metaflow-cdk run --local FLOW\`.`),
  );
}
