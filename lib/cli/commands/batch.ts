import type { JobDetail } from '@aws-sdk/client-batch';
import { Option, type Command } from 'commander';
import { runIdFromExecutionName } from '../../runtime/naming';
import type { AwsClients } from '../aws/clients';
import { resolveFlow } from '../aws/flows';
import { findJobs, terminateAll } from '../aws/jobs';
import { collect } from '../aws/paging';
import { listExecutions } from '../aws/runs';
import { CliError } from '../cli-error';
import { JOB_COLUMNS, jobJson } from '../job-json';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { note, out, printJson } from '../output/print';
import { renderTable } from '../output/table';
import { currentUser } from '../user';

interface BatchOptions extends AwsCommandOptions {
  readonly myRuns?: boolean;
  readonly user?: string;
  readonly runId?: string;
  readonly stateMachine?: string;
}

export interface BatchScope {
  readonly user?: string;
  readonly runId?: string;
}

/**
 * Metaflow's scope rules: `--my-runs` is the current user across runs, `--user U` is U across runs,
 * `--run-id R` is one run; with none of them, the flow's latest run.
 */
export async function resolveScope(clients: AwsClients, flowName: string, options: BatchOptions): Promise<BatchScope> {
  if (options.myRuns) return { user: currentUser() };
  if (options.user !== undefined || options.runId !== undefined) {
    return { user: options.user, runId: options.runId === undefined ? undefined : runIdFromExecutionName(options.runId.replace(/^sfn-/, '')) };
  }
  const flow = await resolveFlow(clients, flowName, options.stateMachine);
  const [latest] = await collect(listExecutions(clients, flow.stateMachineArn, undefined, 1));
  if (!latest?.name) throw new CliError(`flow ${flowName} has no runs, so there is no latest run; specify --run-id, --user or --my-runs.`);
  return { runId: runIdFromExecutionName(latest.name) };
}

function describeScope(flow: string, scope: BatchScope): string {
  const parts = [`flow ${flow}`, scope.runId ? `run ${scope.runId}` : undefined, scope.user ? `user ${scope.user}` : undefined];
  return parts.filter(Boolean).join(', ');
}

/** The active jobs `batch list` shows and `batch kill` terminates. */
async function activeJobsInScope(flow: string, options: BatchOptions): Promise<{ clients: AwsClients; scope: BatchScope; jobs: JobDetail[] }> {
  const clients = clientsFor(options);
  const scope = await resolveScope(clients, flow, options);
  return { clients, scope, jobs: await findJobs(clients, { flow, ...scope, activeOnly: true }) };
}

function scopeJson(flow: string, scope: BatchScope) {
  return { flow, scope: { user: scope.user ?? null, runId: scope.runId ?? null } };
}

function addScopeOptions(command: Command): Command {
  return withAwsOptions(
    command
      .argument('<flow>', 'only jobs of this flow')
      .addOption(new Option('--my-runs', 'jobs of all runs started by the current user').conflicts(['user', 'runId']))
      .addOption(new Option('--user <user>', 'jobs of all runs started by this user'))
      .addOption(new Option('--run-id <run>', 'jobs of this run (sfn-<execution name>)'))
      .option('--state-machine <arn>', 'the flow\'s state machine (to find its latest run) when the flow name matches several'),
  );
}

export function register(program: Command): void {
  const batch = program.command('batch').summary("list or kill a flow's Batch jobs")
    .description("list or kill a flow's active AWS Batch jobs (Metaflow's `batch list` / `batch kill`)");

  addScopeOptions(batch.command('list').description("list a flow's active Batch jobs (default: its latest run)")).action(
    async (flow: string, options: BatchOptions) => {
      const { scope, jobs } = await activeJobsInScope(flow, options);
      if (options.json) {
        printJson({ ...scopeJson(flow, scope), jobs: jobs.map(jobJson) });
        return;
      }
      if (jobs.length === 0) {
        note(`No running AWS Batch jobs found (${describeScope(flow, scope)}).`);
        return;
      }
      out(renderTable(jobs, JOB_COLUMNS));
    },
  );

  addScopeOptions(batch.command('kill').description("terminate a flow's active Batch jobs, array children included (default: its latest run)")).action(
    async (flow: string, options: BatchOptions) => {
      const { clients, scope, jobs } = await activeJobsInScope(flow, options);
      const killed: JobDetail[] = await terminateAll(clients, jobs);
      if (options.json) {
        printJson({ ...scopeJson(flow, scope), terminated: killed.map(jobJson) });
        return;
      }
      if (killed.length === 0) {
        note(`No running AWS Batch jobs found (${describeScope(flow, scope)}).`);
        return;
      }
      for (const job of killed) out(`Killing ${job.jobName} [${job.jobId}] (${job.status})`);
      note(`Terminated ${killed.length} job(s) (${describeScope(flow, scope)}).`);
    },
  );
}
