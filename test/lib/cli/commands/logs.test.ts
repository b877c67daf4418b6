import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { JobDetail } from '@aws-sdk/client-batch';
import { arrayJob, cli, definition, execArn, fakeBatch, job, mocks, named, resetMocks, taggedMapping } from '../harness';

const FLOW = 'TrainFlow';
const SM = 'TrainFlow-sm';

/** Log streams: name -> pages of messages. */
let streams: Record<string, string[][]>;

function setup(jobs: JobDetail[]) {
  fakeBatch(jobs);
  mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, SM)] });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({
    definition: definition(FLOW, [], [
      { name: 'start', type: 'start' },
      { name: 'train', type: 'foreach' },
      { name: 'fit', type: 'linear' },
      { name: 'end', type: 'end' },
    ]),
  });
  mocks.sfn.on(DescribeExecutionCommand).resolves({ executionArn: execArn(SM, 'r1'), status: 'RUNNING', startDate: new Date() });
  mocks.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
  mocks.logs.on(GetLogEventsCommand).callsFake((input: { logGroupName: string; logStreamName: string; nextToken?: string }) => {
    const key = `${input.logGroupName}|${input.logStreamName}`;
    const pages = streams[key];
    if (!pages) throw named('ResourceNotFoundException', 'The specified log stream does not exist.');
    const index = input.nextToken ? Number(input.nextToken.slice(2)) : 0;
    const events = (pages[index] ?? []).map((message, i) => ({ message, timestamp: i }));
    const next = index < pages.length ? `f/${index + 1}` : input.nextToken;
    return { events, nextForwardToken: next };
  });
}

const withStream = (stream: string, extra: Partial<JobDetail> = {}): Partial<JobDetail> => ({ container: { logStreamName: stream }, ...extra });

beforeEach(() => {
  resetMocks();
  streams = {};
});

describe('logs', () => {
  test('prints every attempt of the task, across GetLogEvents pages, from the default group', async () => {
    setup([
      job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', {
        jobId: 'fit-1',
        attempts: [{ container: { logStreamName: 'jd/default/a1' } }, { container: { logStreamName: 'jd/default/a2' } }],
        container: { logStreamName: 'jd/default/a2' },
      }),
      job(FLOW, 'fit', 'sfn-r2', 'SUCCEEDED', withStream('jd/default/other')),
    ]);
    streams['/aws/batch/job|jd/default/a1'] = [['attempt 1 line 1', 'attempt 1 line 2'], ['attempt 1 line 3']];
    streams['/aws/batch/job|jd/default/a2'] = [['attempt 2 line 1']];
    streams['/aws/batch/job|jd/default/other'] = [['not mine']];
    const result = await cli('logs', 'sfn-r1/fit', '--flow', FLOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('attempt 1 line 1\nattempt 1 line 2\nattempt 1 line 3\nattempt 2 line 1\n');
    expect(result.stderr).toBe('--- fit/fit-1 attempt 1 ---\n--- fit/fit-1 attempt 2 ---\n');
  });

  test('array steps: every child, prefixed; a task index selects one child; awslogs-group is honoured', async () => {
    const [parent, ...children] = arrayJob(FLOW, 'train', 'sfn-r1', 'arr', ['SUCCEEDED', 'SUCCEEDED']);
    const group = { logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/custom/group' } } };
    children[0] = { ...children[0], container: { ...group, logStreamName: 's0' } };
    children[1] = { ...children[1], container: { ...group, logStreamName: 's1' } };
    setup([{ ...parent, status: 'SUCCEEDED' }, ...children]);
    streams['/custom/group|s0'] = [['zero']];
    streams['/custom/group|s1'] = [['one']];
    const all = await cli('logs', 'sfn-r1/train', '--flow', FLOW);
    expect(all.stdout).toBe('[train/arr:0] zero\n[train/arr:1] one\n');
    const one = await cli('logs', 'sfn-r1/train/1', '--flow', FLOW);
    expect(one.stdout).toBe('one\n');
  });

  test('multi-node steps: every node, prefixed; a node index selects one node', async () => {
    const parent = job(FLOW, 'train', 'sfn-r1', 'SUCCEEDED', { jobId: 'mnp', nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [] } });
    const nodes = [0, 1].map((n) => job(FLOW, 'train', 'sfn-r1', 'SUCCEEDED', withStream(`n${n}`, { jobId: `mnp#${n}`, nodeDetails: { nodeIndex: n, isMainNode: n === 0 } })));
    setup([parent, ...nodes]);
    streams['/aws/batch/job|n0'] = [['main']];
    streams['/aws/batch/job|n1'] = [['worker']];
    expect((await cli('logs', 'sfn-r1/train', '--flow', FLOW)).stdout).toBe('[train/mnp#0] main\n[train/mnp#1] worker\n');
    expect((await cli('logs', 'sfn-r1/train/1', '--flow', FLOW)).stdout).toBe('worker\n');
  });

  test('a Metaflow array-job foreach: a task is its Metaflow task id or its split index across chunks', async () => {
    const chunk = (parentId: string, offset: number) => {
      const [parent, ...children] = arrayJob(FLOW, 'fit', 'sfn-r1', parentId, ['SUCCEEDED', 'SUCCEEDED'], 'SUCCEEDED');
      const environment = [{ name: 'MFCDK_SPLIT_PARENT_TASK_ID', value: 'fe-1' }, { name: 'MFCDK_SPLIT_OFFSET', value: String(offset) }];
      return [parent, ...children.map((c, i) => ({ ...c, container: { environment, logStreamName: `${parentId}-${i}` } }))];
    };
    setup([...chunk('c0', 0), ...chunk('c1', 2)]);
    for (const stream of ['c0-0', 'c0-1', 'c1-0', 'c1-1']) streams[`/aws/batch/job|${stream}`] = [[stream]];
    expect((await cli('logs', 'sfn-r1/fit/3', '--flow', FLOW)).stdout).toBe('c1-1\n');
    expect((await cli('logs', 'sfn-r1/fit/fe-1-2', '--flow', FLOW)).stdout).toBe('c1-0\n');
    expect((await cli('logs', 'sfn-r1/fit/c0:1', '--flow', FLOW)).stdout).toBe('c0-1\n');
  });

  test('--json shape', async () => {
    setup([job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', withStream('s', { jobId: 'fit-1' }))]);
    streams['/aws/batch/job|s'] = [['hello']];
    const parsed = JSON.parse((await cli('logs', 'sfn-r1/fit/fit-1', '--flow', FLOW, '--json')).stdout);
    expect(parsed).toEqual({ runId: 'sfn-r1', flow: FLOW, step: 'fit', lines: [{ task: 'fit-1', attempt: 1, message: 'hello' }] });
  });

  test('--follow prints new lines until the task finishes', async () => {
    const jobs = [job(FLOW, 'fit', 'sfn-r1', 'RUNNING', withStream('s', { jobId: 'fit-1' }))];
    setup(jobs);
    streams['/aws/batch/job|s'] = [['first']];
    let reads = 0;
    mocks.logs.on(GetLogEventsCommand).callsFake((input: { nextToken?: string }) => {
      reads++;
      if (!input.nextToken) return { events: [{ message: 'first' }], nextForwardToken: 'f/1' };
      if (reads === 2) {
        (jobs[0] as { status?: string }).status = 'SUCCEEDED';
        return { events: [{ message: 'second' }], nextForwardToken: 'f/2' };
      }
      return { events: [], nextForwardToken: input.nextToken };
    });
    const result = await cli('logs', 'sfn-r1/fit', '--flow', FLOW, '--follow');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('first\nsecond\n');
    expect(result.stderr).toMatch(/All 1 task\(s\) of sfn-r1\/fit have finished/);
  });

  test('a stream not created yet reads as empty; one missing after the job ended, or a job without any, is named', async () => {
    setup([job(FLOW, 'fit', 'sfn-r1', 'RUNNING', withStream('not-yet', { jobId: 'fit-1' }))]);
    expect(await cli('logs', 'sfn-r1/fit', '--flow', FLOW)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    setup([
      job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', withStream('expired', { jobId: 'fit-1' })),
      job(FLOW, 'fit', 'sfn-r1', 'FAILED', { jobId: 'fit-2', statusReason: 'CannotPullContainerError: pull access denied' }),
    ]);
    const result = await cli('logs', 'sfn-r1/fit', '--flow', FLOW);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toBe(
      "--- fit/fit-1 attempt 1: log stream expired not found in /aws/batch/job (past the group's retention, deleted, or another group) ---\n" +
        '--- fit/fit-2: no log stream (FAILED: CannotPullContainerError: pull access denied) ---\n',
    );
  });

  test('an empty page with a new token is not the end of a stream', async () => {
    setup([job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', withStream('s', { jobId: 'fit-1' }))]);
    streams['/aws/batch/job|s'] = [['line 1'], [], ['line 2']];
    expect((await cli('logs', 'sfn-r1/fit', '--flow', FLOW)).stdout).toBe('line 1\nline 2\n');
  });

  test('--follow keeps following a failed task until the job of its retry has ended', async () => {
    const jobs = [job(FLOW, 'fit', 'sfn-r1', 'FAILED', withStream('a1', { jobId: 'fit-1', createdAt: 1 }))];
    setup(jobs);
    streams['/aws/batch/job|a1'] = [['attempt 1: boom']];
    streams['/aws/batch/job|a2'] = [['attempt 2: ok']];
    let polls = 0;
    mocks.sfn.on(DescribeExecutionCommand).callsFake(() => {
      polls++;
      // the retry delay passes, then the state machine submits the retry as a job of its own, which succeeds
      if (polls === 3) jobs.push(job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', withStream('a2', { jobId: 'fit-2', createdAt: 2, container: { logStreamName: 'a2', environment: [{ name: 'MFCDK_TASK_ID', value: 'fit-1' }] } })));
      return { executionArn: execArn(SM, 'r1'), status: 'RUNNING', startDate: new Date() };
    });
    const result = await cli('logs', 'sfn-r1/fit', '--flow', FLOW, '--follow');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('attempt 1: boom\nattempt 2: ok\n');
    expect(result.stderr).toContain('fit/fit-1 failed; following until a retry of it ends or the run ends');
    expect(result.stderr).toContain('--- fit/fit-1: retried as job fit-2 ---');
    expect(result.stderr).toMatch(/All 1 task\(s\) of sfn-r1\/fit have finished/);
  });

  test('unknown step: lists the steps of the flow', async () => {
    setup([]);
    const result = await cli('logs', 'sfn-r1/nope', '--flow', FLOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has no step "nope"; its steps: start, train, fit, end/);
  });

  test('no jobs for the step: says so, exit 1', async () => {
    setup([]);
    const result = await cli('logs', 'sfn-r1/end', '--flow', FLOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no Batch jobs found for sfn-r1\/end/);
  });

  test('a malformed target or --json with --follow is a usage error', async () => {
    expect((await cli('logs', 'sfn-r1')).code).toBe(2);
    expect((await cli('logs', 'a/b/c/d')).code).toBe(2);
    expect((await cli('logs', 'sfn-r1/fit', '--json', '--follow')).code).toBe(2);
  });
});
