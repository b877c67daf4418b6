import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { metaflowStepCommand } from '../../../../lib/runtime/metaflow/command';
import { metaflowJobParameters, metaflowStepEnvironment } from '../../../../lib/runtime/metaflow/environment';
import { runStandinStep } from '../../../../lib/runtime/metaflow/standin';
import { METAFLOW_RETRY_DELAY_PRELUDE } from '../../../../lib/runtime/metaflow/retry-delay';
import { FIXTURES, FIXTURE_FLOWS, batchStates, recorded, type Recorded } from './fixture-deployment';
import { CREDENTIALS, StateMachine, createCoordinationTable, expectForeachCoordination, expectMergedParameters, expectTasksPerSplit, taskRecords, startDynalite, type LocalDynamo } from './local-sfn';
import { everyState } from '../../../../lib/compile/asl';

type States = Record<string, Record<string, unknown>>;

let local: LocalDynamo;
let endpoint: string;
let dynamo: DynamoDBClient;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-standin-'));

beforeAll(async () => {
  local = await startDynalite();
  ({ endpoint, dynamo } = local);
});
afterAll(() => local?.stop());

/** Metaflow's compiled state machine with every Batch state's command, environment and parameters replaced by ours. */
function ourDefinition(fixture: Recorded): { StartAt: string; States: States } {
  const definition = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture.dir, 'sfn.json'), 'utf-8'));
  for (const state of batchStates(definition)) {
    const original = findState(definition.States, state.name)!;
    const parameters = original.Parameters as Record<string, Record<string, unknown>>;
    parameters.Parameters = metaflowJobParameters(fixture.graph, state.name, fixture.deployment);
    parameters.ContainerOverrides = {
      ...parameters.ContainerOverrides,
      Command: metaflowStepCommand(fixture.graph, state.name, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps }),
      Environment: metaflowStepEnvironment(fixture.graph, state.name, fixture.deployment),
    };
    // The local engine's JSONPath cannot select several keys at once; a Batch task's output has just these two.
    original.OutputPath = '$';
  }
  return definition;
}

function findState(states: States, name: string): Record<string, unknown> | undefined {
  for (const [key, state] of Object.entries(states)) {
    if (key === name) return state;
    const nested = [(state.Iterator as { States: States } | undefined)?.States, ...((state.Branches as Array<{ States: States }> | undefined) ?? []).map((b) => b.States)];
    for (const inner of nested) {
      const found = inner && findState(inner, name);
      if (found) return found;
    }
  }
  return undefined;
}

async function runFlow(fixture: Recorded, executionName: string, input: object) {
  const datastore = path.join(work, fixture.dir);
  const codeDir = path.join(work, `${fixture.dir}-code`);
  fs.mkdirSync(codeDir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, fixture.dir, 'flow.py'), path.join(codeDir, `${fixture.dir}.py`));
  const definition = ourDefinition(fixture);
  const jobs: string[] = [];
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of everyState(definition.States)) {
    if (state.Type !== 'Task') continue;
    if (String(state.Resource).includes(':batch:')) {
      handlers[name] = async (request: { Parameters: Record<string, string>; ContainerOverrides: { Command: string[]; Environment: Array<{ Name: string; Value: string }> } }) => {
        const jobId = randomUUID();
        jobs.push(jobId);
        const env = Object.fromEntries(request.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
        const result = await runStandinStep({
          script: request.ContainerOverrides.Command[2],
          codeDir,
          env: { ...env, ...CREDENTIALS, AWS_BATCH_JOB_ID: jobId, AWS_BATCH_JOB_ATTEMPT: '1', AWS_ENDPOINT_URL_DYNAMODB: endpoint, MFCDK_STANDIN_DATASTORE_DIR: datastore },
        });
        if (result.exitCode !== 0) throw new Error(`${name}: ${result.stderr}`);
        return { JobId: jobId, Parameters: request.Parameters };
      };
    } else if (String(state.Resource).endsWith(':dynamodb:getItem')) {
      handlers[name] = async (request: GetItemCommandInput) => dynamo.send(new GetItemCommand(request)).then(({ Item }) => ({ Item }));
    }
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never }, context: { Execution: { Name: executionName } } as never });
  await execution.result;
  const runDir = path.join(datastore, fixture.graph.document.name, `sfn-${executionName}`);
  const tasks = taskRecords(runDir);
  return { tasks, jobs };
}

const FIXTURES_RECORDED = new Map(FIXTURE_FLOWS.map((dir) => [dir, recorded(dir)]));
const executionNameOf = (dir: string) => `exec-${dir}`;
const flowRuns = new Map<string, Awaited<ReturnType<typeof runFlow>>>();

// The fixture flows are independent (own datastore directory, execution name and DynamoDB keys): run them all at
// once, so one flow's stand-in processes start while another's wait.
beforeAll(async () => {
  const tables = new Set([...FIXTURES_RECORDED.values()].map((f) => f.deployment.dynamoDbTable).filter((t): t is string => t !== undefined));
  for (const table of tables) await createCoordinationTable(dynamo, table);
  const results = await Promise.all(
    [...FIXTURES_RECORDED].map(([dir, fixture]) => runFlow(fixture, executionNameOf(dir), { Parameters: JSON.stringify({ greeting: 'hi' }) })),
  );
  FIXTURE_FLOWS.forEach((dir, i) => flowRuns.set(dir, results[i]));
}, 120_000);

describe.each(FIXTURE_FLOWS)('the stand-in runs %s through the local engine with our commands', (dir) => {
  const fixture = FIXTURES_RECORDED.get(dir)!;
  let result: Awaited<ReturnType<typeof runFlow>>;
  const executionName = executionNameOf(dir);
  beforeAll(() => {
    result = flowRuns.get(dir)!;
  });

  test('every step ran with run id sfn-<execution> and inputs from the same run', () => {
    for (const name of fixture.graph.sortedNames) {
      const tasks = result.tasks(name);
      expect({ name, ran: tasks.length > 0 }).toEqual({ name, ran: true });
      for (const task of tasks) {
        expect(task.pathspec.split('/')[1]).toBe(`sfn-${executionName}`);
        expect(result.jobs).toContain(task.pathspec.split('/')[3]);
        expect(task.retry_count).toBe(0);
      }
    }
  });

  test('foreach bodies ran once per split with distinct split indexes, and joins saw every split', () => {
    expectTasksPerSplit(fixture, result.tasks);
  });

  test('DynamoDB holds each foreach cardinality and the task ids its join read', async () => {
    await expectForeachCoordination(fixture, result.tasks, dynamo, fixture.deployment.dynamoDbTable!);
  });

  test('the run sees parameter defaults merged with the execution input', () => {
    expectMergedParameters(fixture, result.tasks);
  });
});

describe('the stand-in refuses what Metaflow would refuse', () => {
  const fixture = recorded('linear_flow');
  const datastore = path.join(work, 'refusals');
  const codeDir = path.join(work, 'refusals-code');
  beforeAll(() => {
    fs.mkdirSync(codeDir, { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'linear_flow', 'flow.py'), path.join(codeDir, 'linear_flow.py'));
  });
  const envOf = (step: string, extra: Record<string, string> = {}) => ({
    ...Object.fromEntries(metaflowStepEnvironment(fixture.graph, step, fixture.deployment).map((e) => [e.Name, 'Value' in e ? e.Value : 'resolved-by-sfn'])),
    AWS_BATCH_JOB_ID: 'job-1', AWS_BATCH_JOB_ATTEMPT: '1', METAFLOW_RUN_ID: 'r1', MFCDK_STANDIN_DATASTORE_DIR: datastore, ...extra,
  });
  const scriptOf = (step: string) => metaflowStepCommand(fixture.graph, step, fixture.deployment)[2];

  test('an input task that does not exist in the run', async () => {
    const result = await runStandinStep({ script: scriptOf('middle'), codeDir, env: envOf('middle', { METAFLOW_PARENT_TASK_ID: 'no-such-job' }) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/input task LinearAnchorFlow\/sfn-r1\/start\/no-such-job does not exist/);
  });

  test('a variable the command needs but the job does not set', async () => {
    const env = envOf('middle');
    delete (env as Record<string, string>).METAFLOW_PARENT_TASK_ID;
    const result = await runStandinStep({ script: scriptOf('middle'), codeDir, env });
    expect(result.stderr).toMatch(/\$METAFLOW_PARENT_TASK_ID but the job environment does not set it/);
  });

  test('a start step that runs, then a retry that reuses the parameters task', async () => {
    const env = envOf('start', { METAFLOW_RUN_ID: 'r2' });
    expect(await runStandinStep({ script: scriptOf('start'), codeDir, env })).toEqual({ exitCode: 0, stderr: '' });
    expect(await runStandinStep({ script: scriptOf('start'), codeDir, env: { ...env, AWS_BATCH_JOB_ATTEMPT: '2' } })).toEqual({ exitCode: 0, stderr: '' });
    const task = JSON.parse(fs.readFileSync(path.join(datastore, 'LinearAnchorFlow', 'sfn-r2', 'start', 'job-1', 'task.json'), 'utf-8'));
    expect(task.retry_count).toBe(1);
  });

  test('an attempt that reuses a retry count of its task', async () => {
    const env = envOf('start', { METAFLOW_RUN_ID: 'r3' });
    expect((await runStandinStep({ script: scriptOf('start'), codeDir, env })).exitCode).toBe(0);
    const again = await runStandinStep({ script: scriptOf('start'), codeDir, env });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/task start\/job-1 ran retry count 0 after \[0\]/);
  });

  test("the retry envelope's prelude: the carried task id and retry count, before Metaflow's MF_PATHSPEC", async () => {
    const script = metaflowStepCommand(fixture.graph, 'start', fixture.deployment, { prelude: METAFLOW_RETRY_DELAY_PRELUDE })[2];
    expect(script.startsWith(`${METAFLOW_RETRY_DELAY_PRELUDE.join(' && ')} && true && mkdir -p $PWD/.logs && export PYTHONUNBUFFERED=x MF_PATHSPEC=`)).toBe(true);
    const env = (job: string, carried: string, count: string, extra: Record<string, string> = {}) =>
      envOf('start', { METAFLOW_RUN_ID: 'r4', AWS_BATCH_JOB_ID: job, MFCDK_TASK_ID: carried, MFCDK_RETRY_COUNT: count, MFCDK_STANDIN_FAIL_ATTEMPTS: '{"start": 1}', ...extra });
    const first = await runStandinStep({ script, codeDir, env: env('job-a', '', '0') });
    expect(first).toEqual({ exitCode: 1, stderr: expect.stringMatching(/user code of LinearAnchorFlow\/sfn-r4\/start\/job-a failed on retry 0/) });
    expect(await runStandinStep({ script, codeDir, env: env('job-b', 'job-a', '1') })).toEqual({ exitCode: 0, stderr: '' });
    const task = JSON.parse(fs.readFileSync(path.join(datastore, 'LinearAnchorFlow', 'sfn-r4', 'start', 'job-a', 'task.json'), 'utf-8'));
    // linear_flow's start has --max-user-code-retries 0, so retry 1 is past it: Metaflow's fallback attempt.
    expect(task.attempts).toEqual([{ retry_count: 0, batch_job_id: 'job-a', outcome: 'failed' }, { retry_count: 1, batch_job_id: 'job-b', outcome: 'fallback' }]);
    expect(fs.existsSync(path.join(datastore, 'LinearAnchorFlow', 'sfn-r4', 'start', 'job-b'))).toBe(false);
  });
});
