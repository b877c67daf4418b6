import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type DynamoDBClient, GetItemCommand, type GetItemCommandInput, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { buildMetaflowDefinition } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import type { MetaflowDeployment } from '../../../../lib/runtime/metaflow/deployment';
import { runStandinStep } from '../../../../lib/runtime/metaflow/standin';
import { FIXTURES, FIXTURE_FLOWS, recorded, type Recorded } from './fixture-deployment';
import { CREDENTIALS, StateMachine, createCoordinationTable, expectForeachCoordination, expectMergedParameters, expectTasksPerSplit, taskRecords, widthOf, startDynalite, type LocalDynamo } from './local-sfn';
import { everyState } from '../../../../lib/compile/asl';

// The state machines metaflow-cdk compiles for the fixture flows (not Metaflow's own), run through the local Step
// Functions engine with the stand-in step as every Batch job and dynalite as the coordination table.

const TABLE = 'mfcdk-coordination';
type States = Record<string, Record<string, unknown>>;

let local: LocalDynamo;
let endpoint: string;
let dynamo: DynamoDBClient;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-compiled-standin-'));

/** The fixture as MetaflowFlow deploys it: code package as a zip asset, the infrastructure's table. */
function deploymentOf(fixture: Recorded): MetaflowDeployment {
  return { ...fixture.deployment, dynamoDbTable: TABLE, codePackage: { url: 's3://assets/0123abcd.zip', sha: '0123abcd', format: 'zip' } };
}

function compiled(fixture: Recorded) {
  const queue = fixture.deployment.batchDefaults.queue.split('/').pop()!;
  const queues = new Set([queue, ...[...fixture.graph.nodes.values()].flatMap((n) => (n.step.queue ? [n.step.queue.split('/').pop()!] : []))]);
  const plan = planFlow(fixture.graph.document, {
    queues: [...queues].map((name) => ({ name, capabilities: { platform: 'EC2', gpu: true, neuron: true, spot: true, maxVcpus: 1024 } })),
    defaultQueueName: queue,
    image: 'python:3.11',
    datastoreBucket: 'mf',
    datastorePrefix: 'metaflow',
    // Metaflow's inline Map (array-job foreaches run in test/e2e/metaflow-wide-foreach.test.ts)
    foreachStrategies: Object.fromEntries([...fixture.graph.nodes.values()].filter((n) => n.type === 'foreach').map((n) => [n.name, 'inline-map' as const])),
  });
  return buildMetaflowDefinition(plan, { partition: 'aws', jobDefinitionArn: (k) => `jd-${k}`, jobQueueArn: (q) => q }, deploymentOf(fixture), { staticBatchSteps: fixture.staticBatchSteps });
}

/** What one Batch attempt does: runs the step, fails in user code, or loses its host (spot reclaim). */
type Outcome = 'ok' | 'user' | 'host';
/** Scripts the attempts of a step's `submission`-th job (1-based, per step and split index). @default every attempt runs */
type Script = (step: string, submission: number, attempt: number, splitIndex: string | undefined) => Outcome;
interface Submission { step: string; splitIndex?: string; jobId: string; outcomes: Outcome[]; parameters: Record<string, string>; environment: Record<string, string> }
const STATUS_REASON: Record<Exclude<Outcome, 'ok'>, string> = { user: 'Essential container in task exited', host: 'Host EC2 (instance i-0123456789abcdef0) terminated.' };
type RetryStrategy = { Attempts: number; EvaluateOnExit?: Array<{ OnStatusReason?: string; OnReason?: string; Action: string }> };

/** Batch: the first EvaluateOnExit entry whose conditions all match decides; none matching retries while attempts remain. */
function batchRetries(strategy: RetryStrategy, attempt: number, statusReason: string): boolean {
  const glob = (p: string, v: string | undefined) => (v === undefined ? p === '*' : p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : v === p);
  if (attempt >= strategy.Attempts) return false;
  const entry = (strategy.EvaluateOnExit ?? []).find((e) => (e.OnStatusReason === undefined || glob(e.OnStatusReason, statusReason)) && (e.OnReason === undefined || glob(e.OnReason, undefined)));
  return entry === undefined || entry.Action.toUpperCase() === 'RETRY';
}

async function runFlow(fixture: Recorded, executionName: string, input: object, script?: Script) {
  const datastore = path.join(work, fixture.dir);
  const codeDir = path.join(work, `${fixture.dir}-code`);
  fs.mkdirSync(codeDir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, fixture.dir, 'flow.py'), path.join(codeDir, `${fixture.dir}.py`));
  const definition = compiled(fixture);
  const jobs: string[] = [];
  const submissions: Submission[] = [];
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of everyState(definition.States as States)) {
    if (state.Type !== 'Task') continue;
    if (String(state.Resource).includes(':batch:')) {
      handlers[name] = async (request: { Parameters: Record<string, string>; ContainerOverrides: { Command: string[]; Environment: Array<{ Name: string; Value: string }> }; RetryStrategy: RetryStrategy }) => {
        const jobId = randomUUID();
        jobs.push(jobId);
        const env = Object.fromEntries(request.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
        const splitIndex = env.METAFLOW_SPLIT_INDEX;
        const submission: Submission = { step: name, splitIndex, jobId, outcomes: [], parameters: request.Parameters, environment: env };
        submissions.push(submission);
        const number = submissions.filter((s) => s.step === name && s.splitIndex === splitIndex).length;
        // Batch's attempts of one job: same job id, AWS_BATCH_JOB_ATTEMPT counting up.
        for (let attempt = 1; ; attempt++) {
          const outcome = script?.(name, number, attempt, splitIndex) ?? 'ok';
          submission.outcomes.push(outcome);
          if (outcome === 'ok') {
            const result = await runStandinStep({
              script: request.ContainerOverrides.Command[2],
              codeDir,
              env: { ...env, ...CREDENTIALS, AWS_BATCH_JOB_ID: jobId, AWS_BATCH_JOB_ATTEMPT: String(attempt), AWS_ENDPOINT_URL_DYNAMODB: endpoint, MFCDK_STANDIN_DATASTORE_DIR: datastore },
            });
            if (result.exitCode !== 0) throw new Error(`${name}: ${result.stderr}`);
            // What submitJob.sync returns, more than the two keys the state keeps.
            return { JobId: jobId, JobName: 'x', Status: 'SUCCEEDED', Parameters: request.Parameters, Container: { ExitCode: 0 } };
          }
          if (batchRetries(request.RetryStrategy, attempt, STATUS_REASON[outcome])) continue;
          // A failed submitJob.sync: States.TaskFailed, the DescribeJobs job as compact JSON for its cause.
          const attempts = submission.outcomes.map((o) => ({ Container: { ExitCode: o === 'user' ? 1 : undefined }, StatusReason: STATUS_REASON[o as Exclude<Outcome, 'ok'>] }));
          const error = new Error(JSON.stringify({ Attempts: attempts, JobId: jobId, JobName: 'x', Parameters: request.Parameters, Status: 'FAILED', StatusReason: STATUS_REASON[outcome] }));
          error.name = 'States.TaskFailed';
          throw error;
        }
      };
    } else if (String(state.Resource).endsWith(':dynamodb:getItem')) {
      handlers[name] = async (request: GetItemCommandInput) => dynamo.send(new GetItemCommand(request)).then(({ Item }) => ({ Item }));
    } else if (String(state.Resource).endsWith(':dynamodb:putItem')) {
      handlers[name] = async (request: PutItemCommandInput) => dynamo.send(new PutItemCommand(request)).then(() => ({}));
    }
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never }, context: { Execution: { Name: executionName } } as never });
  const events: Array<{ type: string; state?: { name: string; input?: unknown; output?: unknown }; Error?: string; Cause?: string }> = [];
  const logged = (async () => {
    for await (const event of execution.eventLogs) events.push(event as never);
  })();
  const failure = await execution.result.then(
    () => undefined,
    (e: Error) => e,
  );
  await logged;
  if (failure !== undefined && script === undefined) throw failure;
  const runDir = path.join(datastore, fixture.graph.document.name, `sfn-${executionName}`);
  const tasks = taskRecords(runDir);
  return { tasks, jobs, submissions, events, failure };
}

const FIXTURES_RECORDED = new Map(FIXTURE_FLOWS.map((dir) => [dir, recorded(dir)]));
const runs = new Map<string, Awaited<ReturnType<typeof runFlow>>>();

beforeAll(async () => {
  local = await startDynalite();
  ({ endpoint, dynamo } = local);
  await createCoordinationTable(dynamo, TABLE);
  // Our execution input: Parameters as an object, as the CLI, schedules and S3 triggers start runs.
  const results = await Promise.all([...FIXTURES_RECORDED].map(([dir, fixture]) => runFlow(fixture, `ours-${dir}`, { Parameters: { greeting: 'hi' } })));
  FIXTURE_FLOWS.forEach((dir, i) => runs.set(dir, results[i]));
}, 120_000);

afterAll(() => local?.stop());

describe.each(FIXTURE_FLOWS)('the compiled state machine of %s runs the stand-in step', (dir) => {
  const fixture = FIXTURES_RECORDED.get(dir)!;
  const executionName = `ours-${dir}`;

  test('every step ran with run id sfn-<execution>, its Batch job id as task id, and inputs of the same run', () => {
    const result = runs.get(dir)!;
    for (const name of fixture.graph.sortedNames) {
      const tasks = result.tasks(name);
      expect({ name, ran: tasks.length > 0 }).toEqual({ name, ran: true });
      for (const task of tasks) {
        expect(task.pathspec.split('/')[1]).toBe(`sfn-${executionName}`);
        expect(result.jobs).toContain(task.pathspec.split('/')[3]);
        for (const input of task.inputs) expect(input.split('/')[0]).toBe(`sfn-${executionName}`);
      }
    }
  });

  test('foreach bodies ran once per split with distinct split indexes; DynamoDB held what each join read', async () => {
    const result = runs.get(dir)!;
    expectTasksPerSplit(fixture, result.tasks);
    await expectForeachCoordination(fixture, result.tasks, dynamo, TABLE);
  });

  test('every foreach join got its inputs in split order, whatever order DynamoDB\'s set and the Map\'s items had', () => {
    const result = runs.get(dir)!;
    for (const [name, node] of fixture.graph.nodes) {
      if (node.type !== 'foreach') continue;
      const joins = result.tasks(node.matchingJoin!) as Array<{ input_split_indexes?: number[] }>;
      expect(joins.length).toBe(result.tasks(name).length);
      for (const join of joins) expect({ name, order: join.input_split_indexes }).toEqual({ name, order: [...Array(widthOf(fixture, name)).keys()] });
    }
  });

  test('the run sees parameter defaults merged with the object Parameters of our execution input', () => {
    expectMergedParameters(fixture, runs.get(dir)!.tasks);
  });
});

describe('spot reclaims get a fresh job without spending the step\'s retries', () => {
  const entered = (events: Awaited<ReturnType<typeof runFlow>>['events'], state: string) => events.filter((e) => e.type === 'StateEntered' && e.state?.name === state);

  test('a foreach body whose first job per split loses its host reruns with the same ids, input paths and split index', async () => {
    const fixture = FIXTURES_RECORDED.get('foreach_flow')!;
    const run = await runFlow(fixture, 'host-foreach_flow', { Parameters: {} }, (step, submission) => (step === 'upper' && submission === 1 ? 'host' : 'ok'));
    expect(run.failure).toBeUndefined();
    const width = widthOf(fixture, 'start');
    const upper = run.submissions.filter((s) => s.step === 'upper');
    expect(upper.length).toBe(2 * width);
    const tasks = run.tasks('upper');
    expect(tasks.map((t) => t.split_index).sort()).toEqual([...Array(width).keys()]);
    for (const task of tasks) {
      const [first, second] = upper.filter((s) => s.splitIndex === String(task.split_index));
      expect([first.outcomes, second.outcomes]).toEqual([['host'], ['ok']]);
      // The fresh job got exactly what the lost one got: run id, input paths, split index, parameters.
      expect(second.parameters).toEqual(first.parameters);
      expect(second.environment).toEqual(first.environment);
      expect(task.pathspec.split('/')[3]).toBe(second.jobId);
      expect(task.inputs).toEqual([`sfn-host-foreach_flow/start/${run.submissions.find((s) => s.step === 'start')!.jobId}`]);
      expect(task.retry_count).toBe(0);
    }
    // Downstream steps read the fresh jobs' ids.
    expect(run.tasks('decorate').map((t) => t.inputs[0].split('/')[2]).sort()).toEqual(upper.filter((s) => s.outcomes[0] === 'ok').map((s) => s.jobId).sort());
    expect(run.tasks('gather')[0].inputs.length).toBe(width);
    // One fresh job per split: the counter is 1 on every re-entry.
    const reentries = entered(run.events, 'upper').filter((e) => (e.state!.input as { hostRetries?: unknown }).hostRetries !== undefined);
    expect(reentries.map((e) => (e.state!.input as { hostRetries: { count: number } }).hostRetries)).toEqual(Array(width).fill({ count: 1 }));
  }, 60_000);

  test('a reclaim on a @retry/@catch step leaves its retries whole; user failures still use Metaflow\'s attempts', async () => {
    const fixture = FIXTURES_RECORDED.get('retry_catch_timeout_flow')!;
    const script: Script = (step, submission, attempt) => {
      if (step === 'combined' && submission === 1) return 'host';
      if (step === 'start' && attempt < 3) return 'user';
      return 'ok';
    };
    const run = await runFlow(fixture, 'host-retry_catch', { Parameters: {} }, script);
    expect(run.failure).toBeUndefined();
    const combined = run.submissions.filter((s) => s.step === 'combined');
    expect(combined.map((s) => s.outcomes)).toEqual([['host'], ['ok']]);
    const [task] = run.tasks('combined');
    expect({ retry: task.retry_count, max: (task as unknown as { max_user_code_retries: number }).max_user_code_retries }).toEqual({ retry: 0, max: 4 });
    expect(entered(run.events, 'combined.host.first').length).toBe(1);
    // start: two user failures retried inside Batch by the same job, as Metaflow does (retry count 2, no fresh job).
    expect(run.submissions.filter((s) => s.step === 'start').map((s) => s.outcomes)).toEqual([['user', 'user', 'ok']]);
    expect(run.tasks('start')[0].retry_count).toBe(2);
    expect(entered(run.events, 'start.host').length).toBe(0);
  }, 60_000);

  test('a user failure on the last attempt fails the run with the job\'s own error and cause; no fresh job', async () => {
    const fixture = FIXTURES_RECORDED.get('retry_catch_timeout_flow')!;
    const run = await runFlow(fixture, 'user-retry_catch', { Parameters: {} }, (step) => (step === 'start' ? 'user' : 'ok'));
    const attempts = fixture.states.find((s) => s.name === 'start')!.Parameters.RetryStrategy.Attempts;
    const start = run.submissions.filter((s) => s.step === 'start');
    expect(start.map((s) => s.outcomes.length)).toEqual([attempts]);
    const failed = run.events.find((e) => e.type === 'ExecutionFailed')!;
    expect(failed.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.Cause!)).toMatchObject({ JobId: start[0].jobId, Status: 'FAILED', StatusReason: 'Essential container in task exited' });
    expect(entered(run.events, 'start.host.failed').length).toBe(1);
    expect(entered(run.events, 'start.host.first').length).toBe(0);
  }, 60_000);

  test('host failures past hostRetries (3) fail the run with the last job\'s cause', async () => {
    const fixture = FIXTURES_RECORDED.get('linear_flow')!;
    const run = await runFlow(fixture, 'host-linear_flow', { Parameters: {} }, (step) => (step === 'end' ? 'host' : 'ok'));
    const end = run.submissions.filter((s) => s.step === 'end');
    expect(end.map((s) => s.outcomes)).toEqual(Array(4).fill(['host']));
    const failed = run.events.find((e) => e.type === 'ExecutionFailed')!;
    expect(failed.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.Cause!)).toMatchObject({ JobId: end[3].jobId, StatusReason: expect.stringMatching(/^Host EC2/) });
    expect(entered(run.events, 'end').map((e) => (e.state!.input as { hostRetries?: { count: number } }).hostRetries?.count)).toEqual([undefined, 1, 2, 3]);
    expect(run.tasks('end')).toEqual([]);
  }, 60_000);
});
