import { ListJobsCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { batchJobName, metaflowJobName } from '../../../../lib/runtime/naming';
import { arrayJob, cli, definition, fakeBatch, job, mocks, queueArn, resetMocks, smArn, taggedMapping } from '../harness';

const FLOW = 'TrainFlow';

function world() {
  return fakeBatch(
    [
      job(FLOW, 'start', 'sfn-r1', 'SUCCEEDED', { jobId: 'done-1' }),
      job(FLOW, 'fit', 'sfn-r1', 'RUNNING', { jobId: 'r1-fit' }),
      ...arrayJob(FLOW, 'train', 'sfn-r1', 'r1-train', ['RUNNING', 'RUNNABLE', 'SUCCEEDED']),
      job(FLOW, 'fit', 'sfn-r2', 'RUNNABLE', { jobId: 'r2-fit', jobQueue: queueArn('q4'), parameters: { 'metaflow.flow_name': FLOW, 'metaflow.run_id': 'r2', 'metaflow.step_name': 'fit', 'metaflow.user': 'bob' } }),
      job(FLOW, 'end', 'sfn-r2', 'STARTING', { jobId: 'r2-end', jobQueue: queueArn('q4') }),
      job('Other', 'x', 'sfn-r1', 'RUNNING', { jobId: 'impostor', jobName: batchJobName(FLOW, 'x') }),
      job(FLOW, 'fit', 'sfn-r1', 'RUNNING', { jobId: 'in-disabled-queue', jobQueue: queueArn('q2') }),
    ],
    [{ name: 'q1' }, { name: 'q2', state: 'DISABLED' }, { name: 'q3', status: 'INVALID' }, { name: 'q4' }],
  );
}

beforeEach(resetMocks);

describe('batch list', () => {
  test('--run-id: active jobs of that run in every ENABLED+VALID queue, filtered by flow parameter', async () => {
    world();
    const result = await cli('batch', 'list', FLOW, '--run-id', 'sfn-r1', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.scope).toEqual({ user: null, runId: 'sfn-r1' });
    expect(parsed.jobs.map((j: { jobId: string }) => j.jobId).sort()).toEqual(['r1-fit', 'r1-train']);
    const queuesSearched = new Set(mocks.batch.commandCalls(ListJobsCommand).map((c) => c.args[0].input.jobQueue));
    expect(queuesSearched).toEqual(new Set([queueArn('q1'), queueArn('q4')]));
    const statuses = new Set(mocks.batch.commandCalls(ListJobsCommand).map((c) => c.args[0].input.jobStatus));
    expect(statuses).toEqual(new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']));
    expect(parsed.jobs.find((j: { jobId: string }) => j.jobId === 'r1-train')).toEqual({
      jobId: 'r1-train',
      jobName: 'TrainFlow-train',
      status: 'PENDING',
      statusReason: null,
      flow: FLOW,
      runId: 'sfn-r1',
      step: 'train',
      user: 'alice',
      jobQueue: queueArn('q1'),
      arraySize: 3,
      createdAt: expect.any(String),
    });
  });

  test('a run id without the sfn- prefix matches, as in Metaflow', async () => {
    world();
    const parsed = JSON.parse((await cli('batch', 'list', FLOW, '--run-id', 'r2', '--json')).stdout);
    expect(parsed.jobs.map((j: { jobId: string }) => j.jobId).sort()).toEqual(['r2-end', 'r2-fit']);
  });

  test('--user selects that user across runs; --my-runs selects the current user', async () => {
    world();
    const bob = JSON.parse((await cli('batch', 'list', FLOW, '--user', 'bob', '--json')).stdout);
    expect(bob.jobs.map((j: { jobId: string }) => j.jobId)).toEqual(['r2-fit']);
    const mine = JSON.parse((await cli('batch', 'list', FLOW, '--my-runs', '--json')).stdout);
    expect(mine.scope).toEqual({ user: 'alice', runId: null });
    expect(mine.jobs.map((j: { jobId: string }) => j.jobId).sort()).toEqual(['r1-fit', 'r1-train', 'r2-end']);
  });

  test('no scope flag: the latest run of the flow', async () => {
    world();
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, 'TrainFlow-sm')] });
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition(FLOW) });
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [{ name: 'r2', executionArn: 'x', stateMachineArn: smArn('TrainFlow-sm'), status: 'RUNNING', startDate: new Date() }] });
    const result = await cli('batch', 'list', FLOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^JOB ID\s+NAME\s+STATUS\s+STEP\s+RUN ID\s+USER\s+QUEUE/);
    expect(result.stdout).toContain('r2-fit');
    expect(result.stdout).not.toContain('r1-fit');
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)[0].args[0].input.maxResults).toBe(1);
  });

  test('no scope flag and no runs: says to pass --run-id', async () => {
    world();
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping(FLOW, 'TrainFlow-sm')] });
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition(FLOW) });
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const result = await cli('batch', 'list', FLOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/specify --run-id/);
  });

  test('--my-runs with --user or --run-id is a usage error (exit 2)', async () => {
    expect((await cli('batch', 'list', FLOW, '--my-runs', '--user', 'x')).code).toBe(2);
    const result = await cli('batch', 'kill', FLOW, '--my-runs', '--run-id', 'r1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot be used with/);
  });

  test('nothing found: the Metaflow message, exit 0, empty JSON list', async () => {
    world();
    const result = await cli('batch', 'list', FLOW, '--run-id', 'sfn-none');
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toMatch(/No running AWS Batch jobs found/);
    expect(JSON.parse((await cli('batch', 'list', FLOW, '--run-id', 'none', '--json')).stdout).jobs).toEqual([]);
  });
});

test("a Python flow's jobs, named as Metaflow names them (SFN-<flow>--<step>--), are listed and killed", async () => {
  fakeBatch([
    job(FLOW, 'train', 'sfn-r1', 'RUNNING', { jobId: 'mf-train', jobName: metaflowJobName(FLOW, 'train') }),
    // Metaflow's own `run --with batch` job of the flow: Metaflow's `batch list` matches `-<flow>-` in the name
    job(FLOW, 'fit', 'sfn-r1', 'RUNNABLE', { jobId: 'mf-local', jobName: `alice-${FLOW}-r1-fit-2-0` }),
    job(FLOW, 'fit', 'sfn-r1', 'RUNNING', { jobId: 'other-name', jobName: 'SomethingElse' }),
  ]);
  const listed = JSON.parse((await cli('batch', 'list', FLOW, '--run-id', 'sfn-r1', '--json')).stdout);
  expect(listed.jobs.map((j: { jobId: string }) => j.jobId).sort()).toEqual(['mf-local', 'mf-train']);
  await cli('batch', 'kill', FLOW, '--run-id', 'sfn-r1');
  expect(mocks.batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input.jobId).sort()).toEqual(['mf-local', 'mf-train']);
});

describe('batch kill', () => {
  test('terminates the active jobs of the run and their active array children, nothing else', async () => {
    const jobs = world();
    const result = await cli('batch', 'kill', FLOW, '--run-id', 'sfn-r1', '--json');
    expect(result.code).toBe(0);
    const terminated = mocks.batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input.jobId).sort();
    expect(terminated).toEqual(['r1-fit', 'r1-train', 'r1-train:0', 'r1-train:1']);
    expect(JSON.parse(result.stdout).terminated).toHaveLength(4);
    const active = jobs.filter((j) => ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'].includes(j.status as string)).map((j) => j.jobId);
    expect(active.sort()).toEqual(['impostor', 'in-disabled-queue', 'r2-end', 'r2-fit']);
  });

  test('human output lists each job killed', async () => {
    world();
    const result = await cli('batch', 'kill', FLOW, '--user', 'bob');
    expect(result.stdout).toBe('Killing TrainFlow-fit [r2-fit] (RUNNABLE)\n');
    expect(result.stderr).toMatch(/Terminated 1 job/);
  });
});
