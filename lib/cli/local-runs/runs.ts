import { durationSeconds, formatDuration, formatTime } from '../output/format';
import { note, out, printJson } from '../output/print';
import { renderTable } from '../output/table';
import { localRuns, type LocalRun } from './find';

/** The `--json` shape of one local run, as `runs` gives one on AWS, with its folder. */
export function localRunJson(run: LocalRun, now = new Date()) {
  const start = new Date(run.record.startDate);
  const stop = run.record.stopDate ? new Date(run.record.stopDate) : undefined;
  return {
    runId: run.record.runId,
    flow: run.record.flow,
    status: run.status,
    startDate: run.record.startDate,
    stopDate: run.record.stopDate,
    durationSeconds: run.status === 'RUNNING' || stop ? durationSeconds(start, stop, now) : null,
    runDir: run.dir,
    ...(run.note ? { note: run.note } : {}),
  };
}

export function printLocalRuns(runRoot: string, flow: string | undefined, options: { status?: string; limit: number; json?: boolean }): void {
  const { runs: all, unrecorded } = localRuns(runRoot, flow);
  const matching = options.status ? all.filter((run) => run.status === options.status) : all;
  const runs = options.limit ? matching.slice(0, options.limit) : matching;
  const now = new Date();
  if (options.json) {
    printJson({ runRoot, ...(flow ? { flow } : {}), runs: runs.map((run) => localRunJson(run, now)) });
    return;
  }
  if (runs.length === 0) {
    const others = flow && all.length === 0 ? [...new Set(localRuns(runRoot).runs.map((run) => run.record.flow))].sort() : [];
    note(
      `No local runs${flow ? ` of ${flow}` : ''}${options.status ? ` with status ${options.status}` : ''} under ${runRoot}` +
        (others.length ? ` (it has runs of ${others.join(', ')})` : '') +
        `. Start one with: metaflow-cdk run --local ${flow ?? 'FLOW'}`,
    );
  } else {
    out(
      renderTable(runs, [
        { header: 'RUN ID', value: (run) => run.record.runId },
        ...(flow ? [] : [{ header: 'FLOW', value: (run: LocalRun) => run.record.flow }]),
        { header: 'STATUS', value: (run) => run.status },
        { header: 'STARTED', value: (run) => formatTime(new Date(run.record.startDate)) },
        { header: 'DURATION', value: (run) => formatDuration(localRunJson(run, now).durationSeconds) },
      ]),
    );
    for (const run of runs) if (run.note) note(`${run.record.runId}: ${run.note}`);
    if (options.limit && matching.length > options.limit) note(`Showing the newest ${options.limit} of ${matching.length} runs; --limit 0 shows all.`);
  }
  if (unrecorded > 0) note(`${unrecorded} run folder(s) under ${runRoot} have no run record (metaflow-cdk 0.1.0 kept none) and are not listed; their logs are still in them.`);
}
