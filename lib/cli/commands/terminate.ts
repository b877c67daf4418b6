import type { JobDetail } from '@aws-sdk/client-batch';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import type { AwsClients } from '../aws/clients';
import { batchJobIdsInHistory, executionHistory } from '../aws/history';
import { arrayChildIds, describeJobs, findJobs, isActive, terminateAll } from '../aws/jobs';
import { withRetry } from '../aws/retry';
import { resolveRun } from '../aws/runs';
import { sleep, timing } from '../aws/timing';
import { CliError, UsageError } from '../cli-error';
import { jobJson } from '../job-json';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { note, out, printJson } from '../output/print';
import { startSpinner } from '../output/spinner';
import { findLocalRun } from '../local-runs/find';
import { localRunRoot, withLocalRunsOptions, type LocalRunsOptions } from '../local-runs/options';
import { terminateLocalRun } from '../local-runs/terminate';

interface TerminateOptions extends AwsCommandOptions, LocalRunsOptions {
  readonly flow?: string;
  readonly stateMachine?: string;
  readonly reason: string;
  readonly wait: boolean;
  readonly timeout: string;
}

/** Jobs (and array children) among `jobIds` that are still active. */
async function stillActive(clients: AwsClients, jobIds: readonly string[]): Promise<JobDetail[]> {
  const jobs = await describeJobs(clients, jobIds);
  // the ids may already hold children terminated on their own: describe each job once
  const children = await describeJobs(clients, jobs.flatMap(arrayChildIds).filter((id) => !jobIds.includes(id)));
  return [...jobs, ...children].filter((job) => isActive(job.status));
}

/**
 * Stops the execution, then terminates every active Batch job of the run (array children included, found in
 * every searchable queue and in the execution history), then waits until Batch reports none of them active.
 */
export function register(program: Command): void {
  withLocalRunsOptions(
    withAwsOptions(
      program
        .command('terminate')
        .summary('stop a run and all of its Batch jobs')
        .description('stop a run and terminate all of its Batch jobs (array children included); waits until none is left running (with --local: a run of `run --local`, as Ctrl-C stops it)')
        .argument('<run>', 'run id (sfn-<execution name>) or execution ARN')
        .option('--flow <flow>', 'the flow of the run')
        .option('--state-machine <arn>', 'the state machine of the run')
        .option('--reason <text>', 'reason recorded on the execution and the jobs', 'Terminated with metaflow-cdk terminate')
        .option('--no-wait', 'return after requesting termination, without waiting for the jobs to stop')
        .option('--timeout <seconds>', 'how long to wait for the jobs to stop', '300'),
    ),
  ).action(async (run: string, options: TerminateOptions) => {
    const timeoutSeconds = Number(options.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw new UsageError(`--timeout ${JSON.stringify(options.timeout)} must be a number of seconds`);
    const runRoot = localRunRoot(options, { '--state-machine': options.stateMachine });
    if (runRoot !== undefined) {
      await terminateLocalRun(findLocalRun(runRoot, run, options.flow), { wait: options.wait, timeoutSeconds, json: options.json });
      return;
    }
    const clients = clientsFor(options);
    const resolved = await resolveRun(clients, run, { flow: options.flow, stateMachineArn: options.stateMachine });
    const previousStatus = resolved.execution.status ?? 'UNKNOWN';
    const stopExecution = previousStatus === 'RUNNING';
    if (stopExecution) {
      await withRetry('states:StopExecution', () =>
        clients.sfn.send(new StopExecutionCommand({ executionArn: resolved.executionArn, error: 'MetaflowCdk.Terminated', cause: options.reason })),
      );
    } else if (!options.json) {
      note(`Run ${resolved.runId} is already ${previousStatus}; terminating any of its jobs still active.`);
    }
    // Stopped first, so no new job is submitted while the active ones are searched.
    const history = await executionHistory(clients, resolved.executionArn);
    const jobs = await findJobs(clients, { flow: resolved.flow, runId: resolved.runId, activeOnly: true, extraJobIds: batchJobIdsInHistory(history) });
    const terminated = await terminateAll(clients, jobs, `${options.reason} (run ${resolved.runId})`);
    let remaining: JobDetail[] = [];
    if (options.wait && terminated.length) {
      const ids = terminated.map((job) => job.jobId as string);
      const deadline = Date.now() + timeoutSeconds * 1000;
      const spinner = startSpinner(`waiting for ${ids.length} job(s) of ${resolved.runId} to stop`);
      try {
        for (;;) {
          remaining = await stillActive(clients, ids);
          spinner.update(`waiting for ${remaining.length} job(s) of ${resolved.runId} to stop`);
          if (remaining.length === 0 || Date.now() >= deadline) break;
          await sleep(timing.pollMs);
        }
      } finally {
        spinner.stop();
      }
    }
    if (options.json) {
      printJson({
        runId: resolved.runId,
        flow: resolved.flow,
        executionArn: resolved.executionArn,
        previousStatus,
        stoppedExecution: stopExecution,
        terminated: terminated.map(jobJson),
        remaining: remaining.map(jobJson),
      });
    } else {
      if (stopExecution) out(`Stopped execution ${resolved.executionArn}.`);
      for (const job of terminated) out(`Terminated ${job.jobName} [${job.jobId}] (was ${job.status})`);
      if (terminated.length === 0) out(`No active Batch jobs of run ${resolved.runId} were found.`);
    }
    if (remaining.length) {
      throw new CliError(
        `${remaining.length} job(s) of ${resolved.runId} still active after ${timeoutSeconds}s: ${remaining.map((j) => `${j.jobId} (${j.status})`).join(', ')}. ` +
          `Run \`metaflow-cdk terminate ${resolved.runId}\` again, or check them in the Batch console.`,
      );
    }
  });
}
