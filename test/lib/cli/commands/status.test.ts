import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ListJobsCommand } from '@aws-sdk/client-batch';
import { arrayJob, cli, definition, execArn, fakeBatch, job, mocks, named, resetMocks, taggedMapping } from '../harness';

const FLOW = 'TrainFlow';
const SM = 'TrainFlow-sm';
const STEPS = [
  { name: 'start', type: 'start' as const },
  { name: 'train', type: 'foreach' as const },
  { name: 'fit', type: 'linear' as const },
  { name: 'join', type: 'join' as const },
  { name: 'end', type: 'end' as const },
];

function world(executionStatus: 'RUNNING' | 'FAILED' = 'RUNNING') {
  fakeBatch([
    job(FLOW, 'start', 'sfn-r1', 'SUCCEEDED', { jobId: 'start-1', startedAt: Date.parse('2026-11-21T10:00:00Z'), stoppedAt: Date.parse('2026-11-21T10:01:05Z') }),
    ...arrayJob(FLOW, 'train', 'sfn-r1', 'train-arr', ['SUCCEEDED', 'RUNNING', 'RUNNABLE']),
    job(FLOW, 'fit', 'sfn-r1', 'FAILED', { jobId: 'fit-1', statusReason: 'Essential container in task exited', container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' } }),
    job(FLOW, 'start', 'sfn-r2', 'SUCCEEDED', { jobId: 'other-run' }),
  ]);
  mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, SM)] });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition(FLOW, [], STEPS) });
  mocks.sfn.on(DescribeExecutionCommand, { executionArn: execArn(SM, 'r1') }).resolves({
    executionArn: execArn(SM, 'r1'),
    status: executionStatus,
    startDate: new Date('2026-11-21T10:00:00Z'),
    stopDate: executionStatus === 'FAILED' ? new Date('2026-11-21T10:30:00Z') : undefined,
  });
  mocks.sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 1, type: 'ExecutionStarted', timestamp: new Date() },
      ...(executionStatus === 'FAILED'
        ? [{ id: 9, type: 'ExecutionFailed' as const, timestamp: new Date(), executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'fit failed' } }]
        : []),
    ],
  });
}

beforeEach(resetMocks);

describe('status', () => {
  test('per-step table in manifest order, with task counts, reasons, and jobs stuck in RUNNABLE', async () => {
    world();
    const result = await cli('status', 'sfn-r1', '--flow', FLOW);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^Run sfn-r1 of flow TrainFlow: RUNNING, started 2026-11-21 10:00:00Z/);
    const table = lines.slice(2);
    expect(table[0]).toMatch(/^STEP\s+TYPE\s+STATUS\s+TASKS\s+STARTED\s+DURATION\s+REASON$/);
    expect(table[1]).toMatch(/^start\s+start\s+SUCCEEDED\s+1 SUCCEEDED\s+2026-11-21 10:00:00Z\s+1m 05s$/);
    expect(table[2]).toMatch(/^train\s+foreach\s+RUNNING\s+1 SUCCEEDED, 1 RUNNING, 1 RUNNABLE/);
    expect(table[3]).toMatch(/^fit\s+linear\s+FAILED\s+1 FAILED.*Essential container in task exited; OutOfMemoryError.*; exit code 137$/);
    expect(table[4]).toMatch(/^join\s+join\s+NOT_STARTED\s+-\s+-\s+-$/);
    expect(result.stdout).toMatch(/1 job\(s\) waiting in RUNNABLE/);
    expect(result.stdout).toMatch(/train-arr:2\s+train\s+\S+ \S+\s+MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs 64 vCPUs/);
    expect(result.stdout).not.toContain('other-run');
  });

  test("searches finished jobs with the JOB_NAME prefix filter, of the library's names and of Metaflow's", async () => {
    world();
    await cli('status', 'sfn-r1', '--flow', FLOW);
    expect([...new Set(mocks.batch.commandCalls(ListJobsCommand).map((c) => JSON.stringify(c.args[0].input.filters)))].map((f) => JSON.parse(f))).toEqual([
      [{ name: 'JOB_NAME', values: ['TrainFlow-*'] }],
      [{ name: 'JOB_NAME', values: ['SFN-TrainFlow--*'] }],
    ]);
  });

  test('a task whose retry (a job of its own, after a retry delay) succeeded counts once, as succeeded', async () => {
    world();
    const carried = { environment: [{ name: 'MFCDK_TASK_ID', value: 'fit-1' }] };
    fakeBatch([
      job(FLOW, 'fit', 'sfn-r1', 'FAILED', { jobId: 'fit-1', createdAt: 1, statusReason: 'Essential container in task exited', container: { exitCode: 1 } }),
      job(FLOW, 'fit', 'sfn-r1', 'SUCCEEDED', { jobId: 'fit-2', createdAt: 2, container: carried }),
      job(FLOW, 'join', 'sfn-r1', 'FAILED', { jobId: 'join-1', createdAt: 1 }),
      job(FLOW, 'join', 'sfn-r1', 'SUCCEEDED', { jobId: 'join-2', createdAt: 2 }),
    ]);
    const parsed = JSON.parse((await cli('status', 'sfn-r1', '--flow', FLOW, '--json')).stdout);
    const step = (name: string) => parsed.steps.find((s: { step: string }) => s.step === name);
    expect(step('fit')).toMatchObject({ status: 'SUCCEEDED', tasks: { total: 1, byStatus: { SUCCEEDED: 1 } }, reason: null, jobIds: ['fit-1', 'fit-2'] });
    // two tasks (no carried id): the failed one still counts
    expect(step('join')).toMatchObject({ status: 'FAILED', tasks: { total: 2, byStatus: { FAILED: 1, SUCCEEDED: 1 } } });
  });

  test('--json shape, with the execution error of a failed run', async () => {
    world('FAILED');
    const parsed = JSON.parse((await cli('status', 'r1', '--flow', FLOW, '--json')).stdout);
    expect(parsed).toMatchObject({
      runId: 'sfn-r1',
      flow: FLOW,
      executionArn: execArn(SM, 'r1'),
      status: 'FAILED',
      startDate: '2026-11-21T10:00:00.000Z',
      stopDate: '2026-11-21T10:30:00.000Z',
      durationSeconds: 1800,
      error: 'States.TaskFailed',
      cause: 'fit failed',
    });
    expect(parsed.steps.map((s: { step: string }) => s.step)).toEqual(['start', 'train', 'fit', 'join', 'end']);
    expect(parsed.steps[0]).toEqual({
      step: 'start',
      type: 'start',
      status: 'SUCCEEDED',
      tasks: { total: 1, byStatus: { SUCCEEDED: 1 } },
      startedAt: '2026-11-21T10:00:00.000Z',
      stoppedAt: '2026-11-21T10:01:05.000Z',
      durationSeconds: 65,
      reason: null,
      jobIds: ['start-1'],
    });
    expect(parsed.steps[1].tasks).toEqual({ total: 3, byStatus: { SUCCEEDED: 1, RUNNING: 1, RUNNABLE: 1 } });
    expect(parsed.runnable).toEqual([
      {
        jobId: 'train-arr:2',
        jobName: 'TrainFlow-train',
        step: 'train',
        queue: expect.stringContaining('job-queue/q1'),
        since: expect.any(String),
        reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - needs 64 vCPUs, CE max is 16',
      },
    ]);
  });

  test('run not found anywhere: lists the flows and suggests --flow', async () => {
    world();
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, SM), taggedMapping('EtlFlow', 'Etl')] });
    mocks.sfn.on(DescribeExecutionCommand).rejects(named('ExecutionDoesNotExist'));
    const result = await cli('status', 'sfn-nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run sfn-nope not found in any deployed flow; deployed flows: EtlFlow, TrainFlow. Pass --flow/);
    expect(mocks.sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([execArn('Etl', 'nope'), execArn(SM, 'nope')]);
  });

  test('run not found in the one flow: lists its recent runs', async () => {
    world();
    mocks.sfn.on(DescribeExecutionCommand).rejects(named('ExecutionDoesNotExist'));
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const result = await cli('status', 'sfn-nope', '--flow', FLOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run sfn-nope not found in flow "TrainFlow"; it has no runs yet/);
  });

  test('a malformed ARN is a usage error', async () => {
    const result = await cli('status', 'arn:aws:states:us-east-1:1:stateMachine:x');
    expect(result.code).toBe(2);
  });
});
