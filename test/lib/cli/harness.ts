import { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { JobDetail } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { timing } from '../../../lib/cli/aws/timing';
import { captureCli, type CliResult } from './capture';
import { encodeManifest, type ManifestStep } from '../../../lib/runtime/manifest';
import type { ParameterSpec } from '../../../lib/graph/model';
import { batchJobName, FLOW_TAGS, JOB_KEYS } from '../../../lib/runtime/naming';

/** Test helpers for CLI tests (not a test file): AWS mocks, captured runs, fixtures. */

export const mocks = {
  sfn: mockClient(SFNClient),
  batch: mockClient(BatchClient),
  logs: mockClient(CloudWatchLogsClient),
  cfn: mockClient(CloudFormationClient),
  tagging: mockClient(ResourceGroupsTaggingAPIClient),
};

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) mock.reset();
  timing.retryBaseMs = 0;
  timing.retryMaxMs = 0;
  timing.pollMs = 0;
  process.env.AWS_REGION = 'us-east-1';
  process.env.METAFLOW_USER = 'alice';
}

export type { CliResult } from './capture';

/** Runs the CLI with stdout/stderr captured. */
export function cli(...argv: string[]): Promise<CliResult> {
  return captureCli(argv);
}

export const ACCOUNT = '123456789012';
export const smArn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
export const execArn = (sm: string, name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:execution:${sm}:${name}`;
export const queueArn = (name: string) => `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/${name}`;

export function taggedMapping(flow: string, stateMachineName: string) {
  return { ResourceARN: smArn(stateMachineName), Tags: [{ Key: FLOW_TAGS.flowName, Value: flow }] };
}

export const STEPS: ManifestStep[] = [
  { name: 'start', type: 'start' },
  { name: 'train', type: 'linear' },
  { name: 'end', type: 'end' },
];

export function definition(flow: string, parameters: ParameterSpec[] = [], steps: ManifestStep[] = STEPS, extra: object = {}): string {
  return JSON.stringify({ Comment: encodeManifest({ flow, parameters, steps, ...extra }), StartAt: 'start', States: {} });
}

let nextId = 0;
export function job(flow: string, step: string, runId: string, status: string, extra: Partial<JobDetail> = {}): JobDetail {
  const jobId = extra.jobId ?? `job-${step}-${++nextId}`;
  const params = { [JOB_KEYS.flowName]: flow, [JOB_KEYS.runId]: runId, [JOB_KEYS.stepName]: step, [JOB_KEYS.user]: 'alice' };
  return {
    jobName: batchJobName(flow, step),
    jobQueue: queueArn('q1'),
    status: status as JobDetail['status'],
    startedAt: 1_700_000_000_000,
    createdAt: 1_699_999_990_000,
    parameters: params,
    jobDefinition: 'jd',
    ...extra,
    jobId,
  } as JobDetail;
}

/** Makes DescribeJobs answer from a table of jobs (any subset, any order, as Batch does). */
export function describeJobsFrom(table: () => readonly JobDetail[]) {
  return (input: { jobs?: string[] }) => ({ jobs: table().filter((j) => input.jobs?.includes(j.jobId as string)) });
}

export function throttle(name = 'ThrottlingException'): Error {
  const error = new Error('Rate exceeded');
  error.name = name;
  return error;
}

export function named(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export interface FakeQueue {
  readonly name: string;
  readonly state?: 'ENABLED' | 'DISABLED';
  readonly status?: 'VALID' | 'INVALID';
}

/**
 * A stateful Batch: DescribeJobQueues (2 pages), ListJobs (by status or JOB_NAME filter, one job per page,
 * array children only with arrayJobId, as Batch lists them), DescribeJobs, and TerminateJob that marks
 * exactly the job it is given FAILED (no cascade to children, the worst case for `terminate`, unless `cascade`).
 */
export function fakeBatch(jobs: JobDetail[], queues: FakeQueue[] = [{ name: 'q1' }], options: { cascade?: boolean } = {}) {
  const { DescribeJobQueuesCommand, DescribeJobsCommand, ListJobsCommand, TerminateJobCommand } = jest.requireActual('@aws-sdk/client-batch');
  const queueItems = queues.map((q) => ({ jobQueueName: q.name, jobQueueArn: queueArn(q.name), state: q.state ?? 'ENABLED', status: q.status ?? 'VALID' }));
  const half = Math.ceil(queueItems.length / 2);
  mocks.batch
    .on(DescribeJobQueuesCommand)
    .callsFake((input: { nextToken?: string }) =>
      input.nextToken === 'q-page-2' ? { jobQueues: queueItems.slice(half) } : { jobQueues: queueItems.slice(0, half), nextToken: half < queueItems.length ? 'q-page-2' : undefined },
    );
  mocks.batch.on(ListJobsCommand).callsFake((input: { jobQueue?: string; jobStatus?: string; filters?: { name: string; values: string[] }[]; nextToken?: string }) => {
    const nameFilter = input.filters?.find((f) => f.name === 'JOB_NAME')?.values[0];
    const matching = jobs.filter((j) => {
      if (j.jobQueue !== input.jobQueue || j.arrayProperties?.index !== undefined) return false;
      if (nameFilter) return (j.jobName ?? '').toLowerCase().startsWith(nameFilter.replace(/\*$/, '').toLowerCase());
      return j.status === (input.jobStatus ?? 'RUNNING');
    });
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const page = matching.slice(start, start + 1).map((j) => ({ jobId: j.jobId, jobName: j.jobName, status: j.status }));
    return { jobSummaryList: page, nextToken: start + 1 < matching.length ? String(start + 1) : undefined };
  });
  mocks.batch.on(DescribeJobsCommand).callsFake((input: { jobs?: string[] }) => {
    if ((input.jobs?.length ?? 0) > 100) throw new Error('DescribeJobs takes at most 100 ids');
    return { jobs: structuredClone(jobs.filter((j) => input.jobs?.includes(j.jobId as string))) };
  });
  mocks.batch.on(TerminateJobCommand).callsFake((input: { jobId: string }) => {
    const target = jobs.find((j) => j.jobId === input.jobId);
    if (target) (target as { status?: string }).status = 'FAILED';
    if (options.cascade) {
      for (const child of jobs) if (child.jobId?.startsWith(`${input.jobId}:`)) (child as { status?: string }).status = 'FAILED';
    }
    return {};
  });
  return jobs;
}

/** An array parent and its children, each child with the parent's parameters. */
export function arrayJob(flow: string, step: string, runId: string, parentId: string, childStatuses: string[], parentStatus = 'PENDING'): JobDetail[] {
  const summary: Record<string, number> = {};
  for (const s of childStatuses) summary[s] = (summary[s] ?? 0) + 1;
  const parent = job(flow, step, runId, parentStatus, { jobId: parentId, arrayProperties: { size: childStatuses.length, statusSummary: summary } });
  const children = childStatuses.map((status, index) =>
    job(flow, step, runId, status, { jobId: `${parentId}:${index}`, arrayProperties: { index }, statusReason: status === 'RUNNABLE' ? 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs 64 vCPUs, CE max is 16' : undefined }),
  );
  return [parent, ...children];
}
