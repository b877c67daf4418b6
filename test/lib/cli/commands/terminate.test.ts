import { TerminateJobCommand } from '@aws-sdk/client-batch';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { isActive } from '../../../../lib/cli/aws/jobs';
import { arrayJob, cli, definition, execArn, fakeBatch, job, mocks, named, queueArn, resetMocks, taggedMapping } from '../harness';

const FLOW = 'TrainFlow';
const SM = 'TrainFlow-sm';

function runWorld() {
  const jobs = fakeBatch(
    [
      job(FLOW, 'start', 'sfn-r1', 'SUCCEEDED', { jobId: 'r1-start' }),
      job(FLOW, 'fit', 'sfn-r1', 'RUNNING', { jobId: 'r1-fit' }),
      job(FLOW, 'prep', 'sfn-r1', 'SUBMITTED', { jobId: 'r1-prep' }),
      ...arrayJob(FLOW, 'train', 'sfn-r1', 'r1-train', ['RUNNING', 'RUNNABLE', 'SUCCEEDED', 'STARTING', 'PENDING']),
      // Only the execution history knows this one: its queue was disabled after submission.
      job(FLOW, 'score', 'sfn-r1', 'RUNNING', { jobId: 'r1-hidden', jobQueue: queueArn('q2') }),
      job(FLOW, 'fit', 'sfn-r2', 'RUNNING', { jobId: 'r2-fit' }),
    ],
    [{ name: 'q1' }, { name: 'q2', state: 'DISABLED' }],
  );
  mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, SM)] });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition(FLOW) });
  mocks.sfn.on(DescribeExecutionCommand, { executionArn: execArn(SM, 'r1') }).resolves({ executionArn: execArn(SM, 'r1'), status: 'RUNNING', startDate: new Date() });
  mocks.sfn.on(DescribeExecutionCommand, { executionArn: execArn(SM, 'r9') }).rejects(named('ExecutionDoesNotExist'));
  const submitted = (id: string, eventId: number) => ({
    id: eventId,
    type: 'TaskSubmitted' as const,
    timestamp: new Date(),
    taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: id, JobName: 'x' }) },
  });
  mocks.sfn
    .on(GetExecutionHistoryCommand, { nextToken: undefined })
    .resolves({ events: [submitted('r1-start', 1)], nextToken: 'h2' })
    .on(GetExecutionHistoryCommand, { nextToken: 'h2' })
    .resolves({ events: [submitted('r1-hidden', 2)] });
  mocks.sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
  return jobs;
}

beforeEach(resetMocks);

describe('terminate', () => {
  test('stops the execution and leaves no job of the run active: array children, queued jobs and history-only jobs included', async () => {
    const jobs = runWorld();
    const result = await cli('terminate', 'sfn-r1', '--flow', FLOW, '--json');
    expect(result.code).toBe(0);
    expect(mocks.sfn.commandCalls(StopExecutionCommand)[0].args[0].input).toMatchObject({ executionArn: execArn(SM, 'r1') });
    const stillActiveOfRun = jobs.filter((j) => j.parameters?.['metaflow.run_id'] === 'sfn-r1' && isActive(j.status));
    expect(stillActiveOfRun).toEqual([]);
    const terminated = new Set(mocks.batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input.jobId));
    expect(terminated).toEqual(new Set(['r1-fit', 'r1-prep', 'r1-train', 'r1-train:0', 'r1-train:1', 'r1-train:3', 'r1-train:4', 'r1-hidden']));
    expect(jobs.find((j) => j.jobId === 'r2-fit')?.status).toBe('RUNNING');
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({ runId: 'sfn-r1', flow: FLOW, executionArn: execArn(SM, 'r1'), previousStatus: 'RUNNING', stoppedExecution: true, remaining: [] });
    expect(parsed.terminated).toHaveLength(8);
    expect(Object.keys(parsed.terminated[0]).sort()).toEqual(
      ['arraySize', 'createdAt', 'flow', 'jobId', 'jobName', 'jobQueue', 'runId', 'status', 'statusReason', 'step', 'user'].sort(),
    );
    expect(mocks.batch.commandCalls(TerminateJobCommand)[0].args[0].input.reason).toMatch(/run sfn-r1/);
  });

  test('without --flow the run is found by trying every deployed flow; an execution ARN works too', async () => {
    runWorld();
    expect((await cli('terminate', 'sfn-r1')).code).toBe(0);
    mocks.batch.resetHistory();
    const byArn = await cli('terminate', execArn(SM, 'r1'));
    expect(byArn.code).toBe(0);
  });

  test('an execution that already ended is not stopped again, but its leftover jobs are terminated', async () => {
    const jobs = runWorld();
    mocks.sfn.on(DescribeExecutionCommand, { executionArn: execArn(SM, 'r1') }).resolves({ executionArn: execArn(SM, 'r1'), status: 'FAILED' });
    const result = await cli('terminate', 'sfn-r1', '--flow', FLOW);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/already FAILED/);
    expect(mocks.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(jobs.filter((j) => j.parameters?.['metaflow.run_id'] === 'sfn-r1' && isActive(j.status))).toEqual([]);
    expect(result.stdout).toMatch(/Terminated TrainFlow-fit \[r1-fit\] \(was RUNNING\)/);
  });

  test('a child still active after its own TerminateJob is listed once', async () => {
    const jobs = runWorld();
    mocks.batch.on(TerminateJobCommand).callsFake((input: { jobId: string }) => {
      const target = jobs.find((j) => j.jobId === input.jobId);
      if (target && target.jobId !== 'r1-train:0') (target as { status?: string }).status = 'FAILED';
      return {};
    });
    const result = await cli('terminate', 'sfn-r1', '--flow', FLOW, '--timeout', '0', '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 job(s) of sfn-r1 still active after 0s: r1-train:0 (RUNNING). Run');
  });

  test('jobs that do not stop within --timeout: listed, exit 1', async () => {
    runWorld();
    mocks.batch.on(TerminateJobCommand).resolves({});
    const result = await cli('terminate', 'sfn-r1', '--flow', FLOW, '--timeout', '0');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/job\(s\) of sfn-r1 still active after 0s: .*r1-fit \(RUNNING\)/);
  });

  test('--no-wait returns after requesting termination', async () => {
    runWorld();
    mocks.batch.on(TerminateJobCommand).resolves({});
    expect((await cli('terminate', 'sfn-r1', '--flow', FLOW, '--no-wait')).code).toBe(0);
  });

  test('unknown run: lists recent runs of the flow', async () => {
    runWorld();
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [{ name: 'r1', executionArn: execArn(SM, 'r1'), stateMachineArn: 'x', status: 'RUNNING', startDate: new Date() }] });
    const result = await cli('terminate', 'sfn-r9', '--flow', FLOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run sfn-r9 not found in flow "TrainFlow"; recent runs: sfn-r1/);
    expect(mocks.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });
});
