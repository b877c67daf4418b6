import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand, ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { cli, definition, execArn, mocks, resetMocks, smArn, taggedMapping, throttle } from '../harness';

const SM = 'TrainFlow-abc';

function execution(name: string, status: ExecutionListItem['status'], start: string, stop?: string): ExecutionListItem {
  return {
    executionArn: execArn(SM, name),
    stateMachineArn: smArn(SM),
    name,
    status,
    startDate: new Date(start),
    stopDate: stop ? new Date(stop) : undefined,
  };
}

beforeEach(() => {
  resetMocks();
  mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', SM)] });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition('TrainFlow') });
  mocks.sfn
    .on(ListExecutionsCommand, { nextToken: undefined })
    .resolves({ executions: [execution('e3', 'FAILED', '2026-11-21T10:00:00Z', '2026-11-21T11:02:03Z')], nextToken: 't2' })
    .on(ListExecutionsCommand, { nextToken: 't2' })
    .resolves({ executions: [execution('e2', 'SUCCEEDED', '2026-11-20T10:00:00Z', '2026-11-20T10:00:42Z'), execution('e1', 'ABORTED', '2026-11-19T10:00:00Z', '2026-11-19T10:05:00Z')] });
});

describe('runs', () => {
  test('pages through every execution, newest first, with status, start and duration', async () => {
    const result = await cli('runs', 'TrainFlow');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN ID\s+STATUS\s+STARTED\s+STOPPED\s+DURATION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['sfn-e3', 'sfn-e2', 'sfn-e1']);
    expect(lines[1]).toMatch(/FAILED\s+2026-11-21 10:00:00Z\s+2026-11-21 11:02:03Z\s+1h 02m 03s$/);
    expect(lines[2]).toMatch(/42s$/);
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toHaveLength(2);
  });

  test('--json shape', async () => {
    const parsed = JSON.parse((await cli('runs', 'TrainFlow', '--json')).stdout);
    expect(parsed.flow).toBe('TrainFlow');
    expect(parsed.stateMachineArn).toBe(smArn(SM));
    expect(parsed.runs[1]).toEqual({
      runId: 'sfn-e2',
      executionArn: execArn(SM, 'e2'),
      status: 'SUCCEEDED',
      startDate: '2026-11-20T10:00:00.000Z',
      stopDate: '2026-11-20T10:00:42.000Z',
      durationSeconds: 42,
    });
  });

  test('--status is validated, normalized and sent as statusFilter', async () => {
    await cli('runs', 'TrainFlow', '--status', 'timed-out');
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)[0].args[0].input.statusFilter).toBe('TIMED_OUT');
    const bad = await cli('runs', 'TrainFlow', '--status', 'done');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/use one of ABORTED, FAILED, PENDING_REDRIVE, RUNNING, SUCCEEDED, TIMED_OUT/);
  });

  test('--limit stops paging once enough runs are read', async () => {
    const parsed = JSON.parse((await cli('runs', 'TrainFlow', '--limit', '1', '--json')).stdout);
    expect(parsed.runs.map((r: { runId: string }) => r.runId)).toEqual(['sfn-e3']);
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1);
    expect((await cli('runs', 'TrainFlow', '--limit', '-3')).code).toBe(2);
  });

  test('no runs: a hint on stderr, exit 0', async () => {
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const result = await cli('runs', 'TrainFlow', '--status', 'RUNNING');
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toMatch(/no runs with status RUNNING.*metaflow-cdk trigger TrainFlow/);
  });

  test('throttled pages are retried', async () => {
    mocks.sfn.on(ListExecutionsCommand).rejectsOnce(throttle()).resolves({ executions: [execution('e9', 'RUNNING', '2026-11-21T10:00:00Z')] });
    const parsed = JSON.parse((await cli('runs', 'TrainFlow', '--json')).stdout);
    expect(parsed.runs[0]).toMatchObject({ runId: 'sfn-e9', stopDate: null });
    expect(typeof parsed.runs[0].durationSeconds).toBe('number');
  });

  test('missing flow argument is a usage error (exit 2)', async () => {
    const result = await cli('runs');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/runs needs a flow name \(`metaflow-cdk flows` lists them\)/);
  });
});
