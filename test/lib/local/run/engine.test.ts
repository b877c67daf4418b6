import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ABORT_STATUS_REASON, SPOT_STATUS_REASON, TIMEOUT_STATUS_REASON } from '../../../../lib/local/batch/runner';
import { FlowNotFoundError, runLocalFlow } from '../../../../lib/local/run/engine';
import { LocalAssembly } from '../../../../lib/local/template/assembly';
import { faultFlowTemplates, happyFlowTemplate } from '../fixtures/flows';
import { survivors, waitForLines } from '../fixtures/processes';

const REPO = path.resolve(__dirname, '../../../..');


describe('runLocalFlow on hand-written templates', () => {
  let tmp: string;
  let out: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-engine-'));
    out = path.join(tmp, 'out');
    fs.mkdirSync(out);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const run = (templates: Record<string, unknown>, flow: string, extra: Partial<Parameters<typeof runLocalFlow>[0]> = {}) =>
    runLocalFlow({ assembly: LocalAssembly.fromTemplates(templates), flow, cwd: REPO, runRoot: path.join(tmp, 'runs'), maxWorkers: 4, ...extra });

  test('runs Batch steps, an array job, a Lambda, a Distributed Map over S3 and DynamoDB integrations', async () => {
    const result = await run({ App: happyFlowTemplate(out) }, 'HappyFlow', { parameters: { alpha: 1 }, user: 'tester' });
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    // the Lambda ran in-process with its resolved environment and reached the local S3 the step wrote to
    expect(output.fanout.Payload).toMatchObject({ width: 3, fixtureVar: 'Fanout' });
    expect(output.fanout.StatusCode).toBe(200);
    expect(output.body).toEqual({ Size: 3, Status: 'SUCCEEDED' });
    for (const i of [0, 1, 2]) {
      expect(fs.readFileSync(path.join(out, `body-${i}`), 'utf8').trim()).toBe(`${i} Queue Ce local-bucket`);
      expect(fs.readFileSync(path.join(out, `item-${i}`), 'utf8').trim()).toBe(`${i} tester`);
    }
    // Distributed Map children are executions of their own: $$.Execution.Input is the item
    expect(output.dist).toHaveLength(3);
    expect(output.dist[1].who).toBe('tester');
    expect(output.got.Item.n.N).toBe('3');
    expect(fs.readFileSync(path.join(tmp, 'joined-count'), 'utf8').trim()).toBe('6');
    const steps = Object.fromEntries(result.stats.all().map((s) => [s.step, s]));
    expect(steps.body).toMatchObject({ succeeded: 3, failed: 0, running: 0 });
    expect(steps.item).toMatchObject({ succeeded: 3 });
    // start, Fanout, body, Dist, Put, Get, join + one item state per child
    expect(result.stateTransitions).toBe(7 + 3);
    expect(fs.readdirSync(path.join(result.logsDir, 'body'))).toHaveLength(3);
  });

  test('beforeServersStop sees the run\'s DynamoDB up after the execution; the servers stop after it', async () => {
    let tables: string[] | undefined;
    let endpoint = '';
    const result = await run({ App: happyFlowTemplate(out) }, 'HappyFlow', {
      parameters: { alpha: 1 },
      user: 'tester',
      beforeServersStop: async ({ dynamodbEndpoint }) => {
        endpoint = dynamodbEndpoint;
        const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
        tables = (await client.send(new ListTablesCommand({}))).TableNames;
        client.destroy();
      },
    });
    expect({ status: result.status, cause: result.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
    expect(tables?.length).toBeGreaterThan(0);
    await expect(fetch(endpoint)).rejects.toThrow();
  });

  test('lists the flows of the app when the flow is unknown', async () => {
    const templates = { App: happyFlowTemplate(out), Faults: faultFlowTemplates(out).Retry };
    const error = await run(templates, 'Nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowNotFoundError);
    expect((error as FlowNotFoundError).available).toEqual(['HappyFlow', 'Retry']);
  });

  test('retries a failing attempt per RetryStrategy with a stable job id', async () => {
    const result = await run({ F: faultFlowTemplates(out).Retry }, 'Retry');
    expect(result.status).toBe('SUCCEEDED');
    const job = result.output as { JobId: string; Attempts: Array<{ Container: { ExitCode: number } }> };
    expect(job.Attempts.map((a) => a.Container.ExitCode)).toEqual([1, 1, 0]);
    expect(result.stats.step('step')).toMatchObject({ retried: 2, succeeded: 1, failed: 0 });
    const logs = fs.readdirSync(path.join(result.logsDir, 'step')).sort();
    expect(logs).toEqual([1, 2, 3].map((a) => `${job.JobId}-attempt${a}.log`));
  });

  test('an EXIT rule of evaluateOnExit stops retries and the failure surfaces as States.TaskFailed with the job as Cause', async () => {
    const result = await run({ F: faultFlowTemplates(out).ExitRule }, 'ExitRule');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.TaskFailed');
    const job = JSON.parse(result.cause!);
    expect(job.Status).toBe('FAILED');
    expect(job.Attempts).toHaveLength(1);
    expect(job.Container.ExitCode).toBe(3);
  });

  test('a step that asks for a spot reclaim gets the host-termination status reason and is retried', async () => {
    const result = await run({ F: faultFlowTemplates(out).Spot }, 'Spot');
    expect(result.status).toBe('SUCCEEDED');
    const job = result.output as { Attempts: Array<{ StatusReason: string; Container: { ExitCode?: number } }> };
    expect(job.Attempts[0].StatusReason).toBe(SPOT_STATUS_REASON);
    expect(job.Attempts[0].Container.ExitCode).toBeUndefined();
    expect(job.Attempts[1].Container.ExitCode).toBe(0);
  });

  test('an attempt timeout kills the whole process tree and is not retried', async () => {
    const started = Date.now();
    const result = await run({ F: faultFlowTemplates(out).Timeout }, 'Timeout');
    expect(Date.now() - started).toBeLessThan(10000);
    expect(result.status).toBe('FAILED');
    const job = JSON.parse(result.cause!);
    expect(job.StatusReason).toBe(TIMEOUT_STATUS_REASON);
    const grandchild = Number(fs.readFileSync(path.join(out, 'grandchild.pid'), 'utf8'));
    const leader = Number(fs.readFileSync(path.join(out, 'leader.pid'), 'utf8'));
    expect(await survivors([grandchild, leader])).toEqual([]);
  });

  test("the state machine's TimeoutSeconds ends the run TIMED_OUT, as Step Functions names it, with States.Timeout, and ends its processes", async () => {
    const result = await run({ F: faultFlowTemplates(out).RunTimeout }, 'RunTimeout');
    expect(result.status).toBe('TIMED_OUT');
    expect(result.error).toBe('States.Timeout');
    expect(await survivors([Number(fs.readFileSync(path.join(out, 'run-timeout.pid'), 'utf8'))])).toEqual([]);
  });

  test('Catch continues after a failed job with the job JSON as Cause', async () => {
    const result = await run({ F: faultFlowTemplates(out).Catch }, 'Catch');
    expect(result.status).toBe('SUCCEEDED');
    const caught = (result.output as { caught: { Error: string; Cause: string } }).caught;
    expect(caught.Error).toBe('States.TaskFailed');
    expect(JSON.parse(caught.Cause).Container.ExitCode).toBe(7);
  });

  test('a state Retry re-submits the job and $$.State.RetryCount counts the retries', async () => {
    const result = await run({ F: faultFlowTemplates(out).StateRetry }, 'StateRetry');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.step('step')).toMatchObject({ failed: 2, succeeded: 1 });
  });

  test('SEQUENTIAL array children run in order and the rest fail after one fails', async () => {
    const result = await run({ F: faultFlowTemplates(out).Sequential }, 'Sequential', { maxWorkers: 8 });
    expect(result.status).toBe('FAILED');
    expect(fs.readFileSync(path.join(out, 'sequence'), 'utf8').trim().split('\n')).toEqual(['0', '1', '2']);
    expect(JSON.parse(result.cause!).ArrayProperties.StatusSummary).toEqual({ SUCCEEDED: 2, FAILED: 3 });
  });

  test('a multi-node job runs every node with the node env and Ref:: parameters substituted', async () => {
    const result = await run({ F: faultFlowTemplates(out).Multinode }, 'Multinode');
    expect(result.status).toBe('SUCCEEDED');
    for (const i of [0, 1, 2]) expect(fs.readFileSync(path.join(out, `node-${i}`), 'utf8').trim()).toBe('3 127.0.0.1 hello');
  });

  test('aborting a run ends every process tree and reports ABORTED', async () => {
    const controller = new AbortController();
    const pending = run({ F: faultFlowTemplates(out).Interrupt }, 'Interrupt', { signal: controller.signal });
    const pidsFile = path.join(out, 'pids');
    await waitForLines(pidsFile, 8);
    controller.abort();
    const result = await pending;
    expect(result.status).toBe('ABORTED');
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(8);
    expect(await survivors(pids)).toEqual([]);
    expect(ABORT_STATUS_REASON).toMatch(/stopped/);
  });
});
