import {
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  TerminateJobCommand,
  type JobDetail,
  type JobStatus,
  type JobSummary,
} from '@aws-sdk/client-batch';
import { METAFLOW_CARRIED_TASK_ID_ENV } from '../../runtime/metaflow/retry-delay';
import { batchJobName, executionNameFromRunId, JOB_KEYS, metaflowJobNamePrefix, TERMINATE_REASON } from '../../runtime/naming';
import type { AwsClients } from './clients';
import { chunk, collect, paginate } from './paging';
import { withRetry } from './retry';
import { sleep, timing } from './timing';

/** Batch job states that still hold (or wait for) capacity, in Metaflow's `batch list` order. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];

export function isActive(status: string | undefined): boolean {
  return ACTIVE_STATUSES.includes(status as JobStatus);
}

/** Which jobs of a flow to find. Run ids compare without the `sfn-` prefix, as Metaflow's `batch list` does. */
export interface JobFilter {
  readonly flow: string;
  readonly runId?: string;
  readonly user?: string;
  readonly step?: string;
  /** Only jobs in ACTIVE_STATUSES (searched per status, as Metaflow does); otherwise every job Batch still lists. */
  readonly activeOnly: boolean;
  /** Job ids known from elsewhere (the execution history), described even if no queue listing shows them. */
  readonly extraJobIds?: readonly string[];
}

/** A job's `metaflow.*` value: job parameters first, then job tags. */
export function jobKey(job: JobDetail, key: string): string | undefined {
  return job.parameters?.[key] ?? job.tags?.[key];
}

/** Queues Metaflow searches: state ENABLED and status VALID. */
export async function searchableQueues(clients: AwsClients): Promise<string[]> {
  const queues = await collect(
    paginate('batch:DescribeJobQueues', async (token) => {
      const page = await clients.batch.send(new DescribeJobQueuesCommand({ nextToken: token }));
      return { items: page.jobQueues, next: page.nextToken };
    }),
  );
  return queues.filter((q) => q.state === 'ENABLED' && q.status === 'VALID' && q.jobQueueArn).map((q) => q.jobQueueArn as string);
}

function listJobs(clients: AwsClients, input: ConstructorParameters<typeof ListJobsCommand>[0]): Promise<JobSummary[]> {
  return collect(
    paginate('batch:ListJobs', async (token) => {
      const page = await clients.batch.send(new ListJobsCommand({ ...input, nextToken: token }));
      return { items: page.jobSummaryList, next: page.nextToken };
    }),
  );
}

/** DescribeJobs in chunks of 100 (the API's maximum). */
export async function describeJobs(clients: AwsClients, jobIds: readonly string[]): Promise<JobDetail[]> {
  const jobs: JobDetail[] = [];
  for (const ids of chunk([...new Set(jobIds)], 100)) {
    const page = await withRetry('batch:DescribeJobs', () => clients.batch.send(new DescribeJobsCommand({ jobs: ids })));
    jobs.push(...(page.jobs ?? []));
  }
  return jobs;
}

function sameRun(a: string | undefined, b: string): boolean {
  return a !== undefined && executionNameFromRunId(a) === executionNameFromRunId(b);
}

export function matchesFilter(job: JobDetail, filter: JobFilter): boolean {
  if (jobKey(job, JOB_KEYS.flowName) !== filter.flow) return false;
  if (filter.runId !== undefined && !sameRun(jobKey(job, JOB_KEYS.runId), filter.runId)) return false;
  if (filter.user !== undefined && jobKey(job, JOB_KEYS.user) !== filter.user) return false;
  if (filter.step !== undefined && jobKey(job, JOB_KEYS.stepName) !== filter.step) return false;
  if (filter.activeOnly && !isActive(job.status)) return false;
  return true;
}

/**
 * The starts of a flow's job names: `<flow>-<step>` for flows written with the library, Metaflow's
 * `SFN-<flow>--<step>--` for Python flows.
 */
export function jobNamePrefixes(flow: string): string[] {
  return [batchJobName(flow, ''), metaflowJobNamePrefix(flow)];
}

/** A name of the flow's jobs, or of Metaflow's own `run --with batch` jobs (`<user>-<flow>-...`, what its `batch list` matches). */
export function isFlowJobName(name: string | undefined, flow: string): boolean {
  return name !== undefined && (jobNamePrefixes(flow).some((prefix) => name.startsWith(prefix)) || name.includes(`-${flow}-`));
}

/**
 * Finds a flow's jobs the way Metaflow's `batch list` does: every searchable queue, the flow's job names, then
 * DescribeJobs to filter on the `metaflow.*` parameters. Array parents come back once (not per child).
 */
export async function findJobs(clients: AwsClients, filter: JobFilter): Promise<JobDetail[]> {
  const ids = new Set<string>(filter.extraJobIds ?? []);
  for (const jobQueue of await searchableQueues(clients)) {
    // ListJobs' JOB_NAME filter takes one name, with at most a trailing `*`: one listing per naming scheme
    const summaries = filter.activeOnly
      ? (await Promise.all(ACTIVE_STATUSES.map((jobStatus) => listJobs(clients, { jobQueue, jobStatus })))).flat()
      : (await Promise.all(jobNamePrefixes(filter.flow).map((prefix) => listJobs(clients, { jobQueue, filters: [{ name: 'JOB_NAME', values: [`${prefix}*`] }] })))).flat();
    for (const summary of summaries) {
      if (summary.jobId && isFlowJobName(summary.jobName, filter.flow)) ids.add(summary.jobId);
    }
  }
  const jobs = await describeJobs(clients, [...ids]);
  return jobs.filter((job) => matchesFilter(job, filter)).sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
}

/**
 * The task a job runs: a job after the first of a step with a retry delay carries the first job's id
 * (`MFCDK_TASK_ID`, `retry-delay.ts`), so both are one task whose latest job tells its state; any other job is a task.
 */
export function taskIdentity(job: JobDetail): string {
  const carried = job.container?.environment?.find((e) => e.name === METAFLOW_CARRIED_TASK_ID_ENV)?.value;
  return carried || (job.jobId ?? '');
}

/** The latest job (by creation) of each task among `jobs`: earlier attempts a retry replaced are left out. */
export function latestJobPerTask(jobs: readonly JobDetail[]): JobDetail[] {
  const latest = new Map<string, JobDetail>();
  for (const job of jobs) {
    const task = taskIdentity(job);
    const seen = latest.get(task);
    if (!seen || (job.createdAt ?? 0) >= (seen.createdAt ?? 0)) latest.set(task, job);
  }
  return jobs.filter((job) => latest.get(taskIdentity(job)) === job);
}

/** Child ids of an array parent (`<parent>:<index>`); none for other jobs. */
export function arrayChildIds(job: JobDetail): string[] {
  const size = job.arrayProperties?.size;
  if (!size || job.arrayProperties?.index !== undefined || !job.jobId) return [];
  return Array.from({ length: size }, (_, i) => `${job.jobId}:${i}`);
}

/** Node jobs `<id>#<n>` of a multi-node parallel job (none for a node job itself or any other job). */
export function nodeJobIds(job: JobDetail): string[] {
  const nodes = job.nodeProperties?.numNodes;
  if (!nodes || job.nodeDetails !== undefined || !job.jobId) return [];
  return Array.from({ length: nodes }, (_, i) => `${job.jobId}#${i}`);
}

export { TERMINATE_REASON } from '../../runtime/naming';

/** TerminateJob for each job (cancels queued ones, stops running ones). */
export async function terminateJobs(clients: AwsClients, jobIds: readonly string[], reason = TERMINATE_REASON): Promise<void> {
  for (const jobId of jobIds) {
    await withRetry('batch:TerminateJob', () => clients.batch.send(new TerminateJobCommand({ jobId, reason })));
  }
}

/**
 * Terminates every active job in `jobs` and every active child of their array jobs, and returns what it terminated.
 * Parents first: terminating an array parent also ends its children, then any child still active is terminated itself.
 */
export async function terminateAll(clients: AwsClients, jobs: readonly JobDetail[], reason = TERMINATE_REASON): Promise<JobDetail[]> {
  const active = jobs.filter((job) => isActive(job.status));
  await terminateJobs(clients, active.map((job) => job.jobId as string), reason);
  const childIds = jobs.flatMap(arrayChildIds);
  // Batch ends the children of a terminated parent itself, a moment later: wait one poll so only the
  // children it missed get a TerminateJob each (a 10,000-wide array would otherwise cost 10,000 calls).
  if (childIds.length && active.some((job) => arrayChildIds(job).length)) await sleep(timing.pollMs);
  const children = (await describeJobs(clients, childIds)).filter((child) => isActive(child.status));
  await terminateJobs(clients, children.map((child) => child.jobId as string), reason);
  return [...active, ...children];
}
