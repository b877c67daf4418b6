import type { JobDetail } from '@aws-sdk/client-batch';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { withRetry } from '../aws/retry';
import { describeStateMachine, manifestOf } from '../aws/flows';
import { batchJobIdsInHistory, executionHistory } from '../aws/history';
import { arrayChildIds, describeJobs, findJobs, isActive, latestJobPerTask, nodeJobIds, taskIdentity } from '../aws/jobs';
import { LogReader, logStreamsOf } from '../aws/log-streams';
import { resolveRun } from '../aws/runs';
import { sleep, timing } from '../aws/timing';
import { ARRAY_FOREACH_ENV } from '../../runtime/metaflow/array-foreach';
import { CliError, UsageError } from '../cli-error';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { note, out, printJson } from '../output/print';
import { startSpinner } from '../output/spinner';
import { findLocalRun } from '../local-runs/find';
import { printLocalLogs } from '../local-runs/logs';
import { localRunRoot, withLocalRunsOptions, type LocalRunsOptions } from '../local-runs/options';
import type { AwsClients } from '../aws/clients';

interface LogsOptions extends AwsCommandOptions, LocalRunsOptions {
  readonly flow?: string;
  readonly follow?: boolean;
}

export interface LogsTarget {
  readonly run: string;
  readonly step: string;
  readonly task?: string;
}

/** `RUN/STEP[/TASK]`: the run may be an execution ARN (it has no `/`). */
export function parseLogsTarget(spec: string): LogsTarget {
  const parts = spec.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new UsageError(`expected RUN/STEP or RUN/STEP/TASK (e.g. sfn-1a2b/train or sfn-1a2b/train/JOB_ID), got ${JSON.stringify(spec)}`);
  }
  return { run: parts[0], step: parts[1], task: parts[2] };
}

/**
 * The split index and Metaflow task id of a task of a Metaflow flow's array-job foreach body, from the variables its
 * job carries (`lib/runtime/metaflow/array-foreach.ts`): its array index counts from its chunk's first split.
 */
export function metaflowSplitOf(job: JobDetail): { index: number; taskId: string } | undefined {
  const env = new Map((job.container?.environment ?? []).map((e) => [e.name, e.value]));
  const parent = env.get(ARRAY_FOREACH_ENV.splitParent);
  const offset = Number(env.get(ARRAY_FOREACH_ENV.offset));
  if (parent === undefined || !Number.isInteger(offset)) return undefined;
  const index = offset + (job.arrayProperties?.index ?? 0);
  return { index, taskId: `${parent}-${index}` };
}

/**
 * A task is a Batch job id, an array child `<parent>:<index>` or a node `<parent>#<node>`, or just the index of an
 * array child or a node. A task of a Metaflow array-job foreach is also its Metaflow task id, and its index is its
 * split index (the array index restarts in every chunk).
 */
export function matchesTask(job: JobDetail, task: string | undefined): boolean {
  if (task === undefined) return true;
  const id = job.jobId ?? '';
  if (id === task) return true;
  const split = metaflowSplitOf(job);
  if (split !== undefined) return task === split.taskId || task === String(split.index);
  return /^\d+$/.test(task) && (id.endsWith(`:${task}`) || id.endsWith(`#${task}`));
}

/** Array parents and multi-node parents have no container of their own: their children and nodes hold the logs. */
async function expandToTasks(clients: AwsClients, jobs: readonly JobDetail[]): Promise<JobDetail[]> {
  const expanded: JobDetail[] = [];
  for (const job of jobs) {
    const children = [...arrayChildIds(job), ...nodeJobIds(job)];
    if (children.length) expanded.push(...(await describeJobs(clients, children)));
    else expanded.push(job);
  }
  return expanded;
}

/** Polls without a new or active job after which `--follow` ends, once every task has finished. */
const FOLLOW_SETTLE_POLLS = 2;

async function executionRunning(clients: AwsClients, executionArn: string): Promise<boolean> {
  const execution = await withRetry('states:DescribeExecution', () => clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
  return execution.status === 'RUNNING';
}

export function register(program: Command): void {
  withLocalRunsOptions(
    withAwsOptions(
      program
        .command('logs')
        .summary("print a step's logs")
        .description("print the CloudWatch logs of a step's Batch jobs (every task, every attempt; with --local: the log files of a run of `run --local`)")
        .argument('<run/step[/task]>', 'run id or execution ARN, step name, and optionally a task (Batch job id, array index or node index)')
        .option('--flow <flow>', 'the flow of the run')
        .option('-f, --follow', 'keep printing new lines until every task has finished (a failed task: until its retry or the run ends; with --local: until the run ends)'),
      'print {task, attempt, message} lines as one JSON document (not with --follow)',
    ),
  ).action(async (spec: string, options: LogsOptions) => {
    const target = parseLogsTarget(spec);
    if (options.json && options.follow) throw new UsageError('--json and --follow cannot be combined');
    const runRoot = localRunRoot(options);
    if (runRoot !== undefined) {
      await printLocalLogs(findLocalRun(runRoot, target.run, options.flow), target, options);
      return;
    }
    const clients = clientsFor(options);
    const run = await resolveRun(clients, target.run, { flow: options.flow });
    const [definition, history] = await Promise.all([describeStateMachine(clients, run.stateMachineArn), executionHistory(clients, run.executionArn)]);
    const steps = manifestOf(definition.definition)?.steps.map((s) => s.name);
    if (steps && !steps.includes(target.step)) {
      throw new CliError(`flow ${run.flow} has no step "${target.step}"; its steps: ${steps.join(', ')}`);
    }
    const locate = async () => {
      const jobs = await findJobs(clients, { flow: run.flow, runId: run.runId, step: target.step, activeOnly: false, extraJobIds: batchJobIdsInHistory(history) });
      return (await expandToTasks(clients, jobs)).filter((job) => matchesTask(job, target.task));
    };
    let tasks = await locate();
    const reader = new LogReader(clients);
    // the jobs of one task (its retries after a retry delay) print as one task
    const multi = () => new Set(tasks.map(taskIdentity)).size > 1 && target.task === undefined;
    const collected: { task: string; attempt: number; message: string }[] = [];
    const announced = new Set<string>();
    const once = (key: string, text: string) => {
      if (announced.has(key)) return;
      announced.add(key);
      note(text);
    };
    const readAll = async () => {
      for (const job of tasks) {
        const refs = logStreamsOf(job);
        const ended = !isActive(job.status);
        const task = taskIdentity(job);
        if (task !== job.jobId && !options.json) once(`retry:${job.jobId}`, `--- ${target.step}/${task}: retried as job ${job.jobId} ---`);
        // a job that ended without a container (an image that cannot be pulled, a cancelled job) has no stream
        if (refs.length === 0 && ended) once(`none:${job.jobId}`, `--- ${target.step}/${job.jobId}: no log stream (${job.status}${job.statusReason ? `: ${job.statusReason}` : ''}) ---`);
        for (const ref of refs) {
          // Retried tasks: say where each attempt starts (once, on stderr, so stdout stays the log itself).
          if (refs.length > 1 && !options.json) once(ref.stream, `--- ${target.step}/${job.jobId} attempt ${ref.attempt} ---`);
          const read = await reader.read(ref, (message) => {
            if (options.json) collected.push({ task: job.jobId as string, attempt: ref.attempt, message });
            else out(multi() ? `[${target.step}/${job.jobId}] ${message}` : message);
          });
          if (read === 'missing' && ended) {
            once(`missing:${ref.stream}`, `--- ${target.step}/${job.jobId} attempt ${ref.attempt}: log stream ${ref.stream} not found in ${ref.group} (past the group's retention, deleted, or another group) ---`);
          }
        }
      }
    };
    if (!options.follow) {
      if (tasks.length === 0) {
        throw new CliError(`no Batch jobs found for ${run.runId}/${target.step}${target.task ? `/${target.task}` : ''} (it may not have started, or Batch no longer lists it); see \`metaflow-cdk status ${run.runId}\``);
      }
      await readAll();
      if (options.json) printJson({ runId: run.runId, flow: run.flow, step: target.step, lines: collected });
      return;
    }
    const spinner = startSpinner(`following ${run.runId}/${target.step}`);
    try {
      let quiet = 0;
      let known = tasks.length;
      for (;;) {
        await readAll();
        const running = await executionRunning(clients, run.executionArn);
        const active = tasks.some((job) => isActive(job.status));
        if (!running && !active) {
          if (tasks.length === 0) throw new CliError(`run ${run.runId} has ended and step "${target.step}" ran no Batch jobs; see \`metaflow-cdk status ${run.runId}\``);
          break;
        }
        // finished tasks end the follow only when none waits for a retry and no new job (a retry, a foreach's next
        // wave) has appeared for a few polls
        const failed = latestJobPerTask(tasks).filter((job) => job.status === 'FAILED');
        for (const job of failed) once(`failed:${job.jobId}`, `${target.step}/${job.jobId} failed; following until a retry of it ends or the run ends (Ctrl-C stops)`);
        quiet = active || failed.length > 0 || tasks.length !== known || tasks.length === 0 ? 0 : quiet + 1;
        known = tasks.length;
        if (quiet > FOLLOW_SETTLE_POLLS) break;
        await sleep(timing.pollMs);
        tasks = await locate();
      }
    } finally {
      spinner.stop();
    }
    note(`All ${new Set(tasks.map(taskIdentity)).size} task(s) of ${run.runId}/${target.step} have finished.`);
  });
}
