import type { RecordedStep } from '../../local/run/run-record';
import { summarizeCause } from '../../local/run/report';
import { durationSeconds, formatDuration, formatTime } from '../output/format';
import { out, printJson } from '../output/print';
import { renderTable } from '../output/table';
import { formatCounts } from '../run-status';
import type { LocalRun } from './find';

/** A step's state from its task counts, in the words `status` uses on AWS: what still moves wins, then failure. */
export function localStepStatus(step: RecordedStep): string {
  if (step.running > 0) return 'RUNNING';
  if (step.failed > 0) return 'FAILED';
  if (step.stopped > 0) return 'STOPPED';
  if (step.succeeded > 0) return 'SUCCEEDED';
  return 'NOT_STARTED';
}

function byStatus(step: RecordedStep): Record<string, number> {
  const counts = { RUNNING: step.running, SUCCEEDED: step.succeeded, FAILED: step.failed, STOPPED: step.stopped };
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

function stepDuration(step: RecordedStep, now: Date): number | null {
  return step.startedAt ? durationSeconds(new Date(step.startedAt), step.stoppedAt ? new Date(step.stoppedAt) : undefined, now) : null;
}

/** A run that ended without recording it (its process killed) still counts tasks as running: they were stopped. */
function settledSteps(run: LocalRun): readonly RecordedStep[] {
  if (run.status === 'RUNNING') return run.record.steps;
  return run.record.steps.map((s) => (s.running > 0 ? { ...s, stopped: s.stopped + s.running, running: 0 } : s));
}

export function printLocalStatus(run: LocalRun, options: { json?: boolean }): void {
  const { record } = run;
  const steps = settledSteps(run);
  const now = new Date();
  const start = new Date(record.startDate);
  const stop = record.stopDate ? new Date(record.stopDate) : undefined;
  const duration = run.status === 'RUNNING' || stop ? durationSeconds(start, stop, now) : null;
  if (options.json) {
    printJson({
      runId: record.runId,
      flow: record.flow,
      runDir: run.dir,
      status: run.status,
      ...(run.note ? { note: run.note } : {}),
      startDate: record.startDate,
      stopDate: record.stopDate,
      durationSeconds: duration,
      user: record.user,
      parameters: record.parameters,
      error: record.error ?? null,
      cause: record.cause ?? null,
      childFailure: record.childFailure ?? null,
      stateTransitions: record.stateTransitions,
      steps: steps.map((step) => ({
        step: step.step,
        type: step.type ?? null,
        status: localStepStatus(step),
        tasks: { running: step.running, succeeded: step.succeeded, failed: step.failed, stopped: step.stopped, retried: step.retried },
        startedAt: step.startedAt,
        stoppedAt: step.stoppedAt,
        durationSeconds: stepDuration(step, now),
      })),
    });
    return;
  }
  out(`Run ${record.runId} of flow ${record.flow} (local): ${run.status}, started ${formatTime(start)}, ${formatDuration(duration)}`);
  if (run.note) out(`  ${run.note}`);
  if (record.error) out(`  error: ${record.error}${record.cause ? `: ${summarizeCause(record.cause)}` : ''}`);
  if (record.childFailure) out(`  first failed child execution: ${record.childFailure.error}: ${summarizeCause(record.childFailure.cause)}`);
  out(`  logs: ${run.dir}/logs (\`metaflow-cdk logs --local ${record.runId}/STEP\`)`);
  out('');
  out(
    renderTable(steps, [
      { header: 'STEP', value: (s) => s.step },
      { header: 'TYPE', value: (s) => s.type ?? '-' },
      { header: 'STATUS', value: (s) => localStepStatus(s) },
      { header: 'TASKS', value: (s) => formatCounts(byStatus(s)) },
      { header: 'RETRIED', value: (s) => String(s.retried) },
      { header: 'STARTED', value: (s) => formatTime(s.startedAt ? new Date(s.startedAt) : undefined) },
      { header: 'DURATION', value: (s) => formatDuration(stepDuration(s, now)) },
    ]),
  );
}
