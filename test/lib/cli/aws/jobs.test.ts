import { DescribeJobsCommand, ListJobsCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { createClients } from '../../../../lib/cli/aws/clients';
import { arrayChildIds, describeJobs, findJobs, isActive, jobKey, matchesFilter, searchableQueues, terminateAll, TERMINATE_REASON } from '../../../../lib/cli/aws/jobs';
import { arrayJob, fakeBatch, job, mocks, queueArn, resetMocks, throttle } from '../harness';

beforeEach(resetMocks);
const clients = () => createClients({});

describe('job helpers', () => {
  test('jobKey reads parameters, then tags', () => {
    const tagged = job('F', 's', 'r', 'RUNNING', { parameters: {}, tags: { 'metaflow.user': 'tagged' } });
    expect(jobKey(tagged, 'metaflow.user')).toBe('tagged');
    expect(jobKey(job('F', 's', 'r', 'RUNNING'), 'metaflow.user')).toBe('alice');
  });

  test('matchesFilter: flow, run (with or without sfn-), user, step, activeOnly', () => {
    const j = job('F', 'train', 'sfn-r1', 'RUNNING');
    expect(matchesFilter(j, { flow: 'F', runId: 'r1', activeOnly: true })).toBe(true);
    expect(matchesFilter(j, { flow: 'F', runId: 'sfn-r2', activeOnly: false })).toBe(false);
    expect(matchesFilter(j, { flow: 'G', activeOnly: false })).toBe(false);
    expect(matchesFilter(j, { flow: 'F', user: 'bob', activeOnly: false })).toBe(false);
    expect(matchesFilter(j, { flow: 'F', step: 'end', activeOnly: false })).toBe(false);
    expect(matchesFilter({ ...j, status: 'SUCCEEDED' }, { flow: 'F', activeOnly: true })).toBe(false);
    expect(isActive('STARTING')).toBe(true);
    expect(isActive('FAILED')).toBe(false);
  });

  test('arrayChildIds only for array parents', () => {
    const [parent, child] = arrayJob('F', 's', 'r', 'p', ['RUNNING', 'RUNNING', 'RUNNING']);
    expect(arrayChildIds(parent)).toEqual(['p:0', 'p:1', 'p:2']);
    expect(arrayChildIds(child)).toEqual([]);
    expect(arrayChildIds(job('F', 's', 'r', 'RUNNING'))).toEqual([]);
  });
});

describe('Batch calls', () => {
  test('terminateAll: when Batch ends the children of a terminated parent, they get no TerminateJob of their own', async () => {
    const jobs = fakeBatch(arrayJob('F', 't', 'r', 'arr', ['RUNNING', 'RUNNABLE']), [{ name: 'q1' }], { cascade: true });
    const terminated = await terminateAll(clients(), [jobs[0]]);
    expect(terminated.map((j) => j.jobId)).toEqual(['arr']);
    expect(mocks.batch.commandCalls(TerminateJobCommand)).toHaveLength(1);
    expect(jobs.every((j) => j.status === 'FAILED')).toBe(true);
  });

  test('searchableQueues keeps ENABLED+VALID queues across pages', async () => {
    fakeBatch([], [{ name: 'a' }, { name: 'b', state: 'DISABLED' }, { name: 'c' }, { name: 'd', status: 'INVALID' }]);
    expect(await searchableQueues(clients())).toEqual([queueArn('a'), queueArn('c')]);
  });

  test('describeJobs asks at most 100 ids per call, once each', async () => {
    const many = Array.from({ length: 250 }, (_, i) => job('F', 's', 'r', 'RUNNING', { jobId: `j${i}` }));
    fakeBatch(many);
    const described = await describeJobs(clients(), [...many.map((j) => j.jobId as string), 'j0']);
    expect(described).toHaveLength(250);
    expect(mocks.batch.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input.jobs?.length)).toEqual([100, 100, 50]);
  });

  test('findJobs ignores jobs whose name lacks the flow prefix, and throttled listings are retried', async () => {
    fakeBatch([job('F', 's', 'r', 'RUNNING', { jobId: 'mine' }), job('F', 's', 'r', 'RUNNING', { jobId: 'renamed', jobName: 'other-name' })]);
    mocks.batch
      .on(ListJobsCommand, { jobStatus: 'RUNNING' })
      .rejectsOnce(throttle('TooManyRequestsException'))
      .resolves({ jobSummaryList: [{ jobId: 'mine', jobName: 'F-s' }, { jobId: 'renamed', jobName: 'other-name' }] });
    const found = await findJobs(clients(), { flow: 'F', activeOnly: true });
    expect(found.map((j) => j.jobId)).toEqual(['mine']);
    expect(mocks.batch.commandCalls(DescribeJobsCommand)[0].args[0].input.jobs).toEqual(['mine']);
  });

  test('empty queues: no jobs, no DescribeJobs call', async () => {
    fakeBatch([]);
    expect(await findJobs(clients(), { flow: 'F', activeOnly: false })).toEqual([]);
    expect(mocks.batch.commandCalls(DescribeJobsCommand)).toHaveLength(0);
  });

  test('terminateAll: active jobs, then active children; finished ones are left alone', async () => {
    const jobs = fakeBatch([job('F', 's', 'r', 'SUCCEEDED', { jobId: 'done' }), ...arrayJob('F', 't', 'r', 'arr', ['RUNNING', 'SUCCEEDED', 'RUNNABLE'])]);
    const terminated = await terminateAll(clients(), jobs.filter((j) => j.arrayProperties?.index === undefined));
    expect(terminated.map((j) => j.jobId)).toEqual(['arr', 'arr:0', 'arr:2']);
    expect(mocks.batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input)).toEqual([
      { jobId: 'arr', reason: TERMINATE_REASON },
      { jobId: 'arr:0', reason: TERMINATE_REASON },
      { jobId: 'arr:2', reason: TERMINATE_REASON },
    ]);
  });
});
