import type { JobDetail } from '@aws-sdk/client-batch';
import type { Command } from 'commander';
import { describeStateMachine, manifestOf } from '../aws/flows';
import { batchJobIdsInHistory, executionFailure, executionHistory } from '../aws/history';
import { describeJobs, findJobs } from '../aws/jobs';
import { resolveRun } from '../aws/runs';
import { durationSeconds, formatDuration, formatTime, isoOrNull } from '../output/format';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { out, printJson } from '../output/print';
import { renderTable } from '../output/table';
import { findLocalRun } from '../local-runs/find';
import { localRunRoot, withLocalRunsOptions, type LocalRunsOptions } from '../local-runs/options';
import { printLocalStatus } from '../local-runs/status';
import { formatCounts, runnableJobs, summarizeSteps } from '../run-status';

interface StatusOptions extends AwsCommandOptions, LocalRunsOptions {
  readonly flow?: string;
  readonly stateMachine?: string;
}

/** At most this many children of one array job are described to find why they wait in RUNNABLE. */
const CHILDREN_SAMPLE = 100;

/** Children of array jobs that have some in RUNNABLE: their statusReason is the useful one. */
async function runnableChildren(clients: ReturnType<typeof clientsFor>, jobs: readonly JobDetail[]): Promise<JobDetail[]> {
  const ids = jobs
    .filter((job) => (job.arrayProperties?.statusSummary?.RUNNABLE ?? 0) > 0 && job.jobId)
    .flatMap((job) => Array.from({ length: Math.min(job.arrayProperties?.size ?? 0, CHILDREN_SAMPLE) }, (_, i) => `${job.jobId}:${i}`));
  return ids.length ? describeJobs(clients, ids) : [];
}

export function register(program: Command): void {
  withLocalRunsOptions(
    withAwsOptions(
      program
        .command('status')
        .summary('show the steps and Batch jobs of a run')
        .description('show a run: its state and a per-step table of Batch jobs, including jobs stuck in RUNNABLE and why (with --local: a run of `run --local`, from its run record)')
        .argument('<run>', 'run id (sfn-<execution name>) or execution ARN; with --local, also the start of a run id')
        .option('--flow <flow>', 'the flow of the run (faster, and needed when several flows have that run id)')
        .option('--state-machine <arn>', 'the state machine of the run'),
    ),
  ).action(async (run: string, options: StatusOptions) => {
    const runRoot = localRunRoot(options, { '--state-machine': options.stateMachine });
    if (runRoot !== undefined) {
      printLocalStatus(findLocalRun(runRoot, run, options.flow), { json: options.json });
      return;
    }
    const clients = clientsFor(options);
    const resolved = await resolveRun(clients, run, { flow: options.flow, stateMachineArn: options.stateMachine });
    const [definition, history] = await Promise.all([
      describeStateMachine(clients, resolved.stateMachineArn),
      executionHistory(clients, resolved.executionArn),
    ]);
    const manifest = manifestOf(definition.definition);
    const jobs = await findJobs(clients, {
      flow: resolved.flow,
      runId: resolved.runId,
      activeOnly: false,
      extraJobIds: batchJobIdsInHistory(history),
    });
    const children = await runnableChildren(clients, jobs);
    const steps = summarizeSteps(manifest?.steps, jobs, children);
    const runnable = runnableJobs(jobs, children);
    const execution = resolved.execution;
    const failure = execution.status === 'RUNNING' || execution.status === 'SUCCEEDED' ? undefined : executionFailure(history);
    const now = new Date();
    if (options.json) {
      printJson({
        runId: resolved.runId,
        flow: resolved.flow,
        executionArn: resolved.executionArn,
        status: execution.status ?? null,
        startDate: isoOrNull(execution.startDate),
        stopDate: isoOrNull(execution.stopDate),
        durationSeconds: durationSeconds(execution.startDate, execution.stopDate, now),
        error: failure?.error ?? execution.error ?? null,
        cause: failure?.cause ?? execution.cause ?? null,
        steps: steps.map((s) => ({
          step: s.step,
          type: s.type,
          status: s.status,
          tasks: s.tasks,
          startedAt: isoOrNull(s.startedAt),
          stoppedAt: isoOrNull(s.stoppedAt),
          durationSeconds: s.startedAt ? durationSeconds(s.startedAt, s.stoppedAt, now) : null,
          reason: s.reason,
          jobIds: s.jobIds,
        })),
        runnable: runnable.map((r) => ({ ...r, since: isoOrNull(r.since) })),
      });
      return;
    }
    out(
      `Run ${resolved.runId} of flow ${resolved.flow}: ${execution.status}, started ${formatTime(execution.startDate)}, ` +
        `${formatDuration(durationSeconds(execution.startDate, execution.stopDate, now))}`,
    );
    const error = failure?.error ?? execution.error;
    if (error) out(`  error: ${error}${(failure?.cause ?? execution.cause) ? `: ${failure?.cause ?? execution.cause}` : ''}`);
    out('');
    out(
      renderTable(steps, [
        { header: 'STEP', value: (s) => s.step },
        { header: 'TYPE', value: (s) => s.type ?? '-' },
        { header: 'STATUS', value: (s) => s.status },
        { header: 'TASKS', value: (s) => formatCounts(s.tasks.byStatus) },
        { header: 'STARTED', value: (s) => formatTime(s.startedAt) },
        { header: 'DURATION', value: (s) => (s.startedAt ? formatDuration(durationSeconds(s.startedAt, s.stoppedAt, now)) : '-') },
        { header: 'REASON', value: (s) => s.reason ?? '' },
      ]),
    );
    if (runnable.length) {
      out(`${runnable.length} job(s) waiting in RUNNABLE (check the queue's compute environments: max vCPUs, instance types, subnets):`);
      out(
        renderTable(runnable, [
          { header: 'JOB ID', value: (r) => r.jobId },
          { header: 'STEP', value: (r) => r.step ?? '-' },
          { header: 'SINCE', value: (r) => formatTime(r.since) },
          { header: 'REASON', value: (r) => r.reason ?? 'no reason given by Batch yet' },
        ]),
      );
    }
  });
}
