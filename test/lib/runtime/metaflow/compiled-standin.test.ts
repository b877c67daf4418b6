import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { buildMetaflowDefinition } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import type { MetaflowDeployment } from '../../../../lib/runtime/metaflow/deployment';
import { runStandinStep } from '../../../../lib/runtime/metaflow/standin';
import { FIXTURES, FIXTURE_FLOWS, recorded, type Recorded } from './fixture-deployment';

// The state machines metaflow-cdk compiles for the fixture flows (not Metaflow's own), run through the local Step
// Functions engine with the stand-in step as every Batch job and dynalite as the coordination table.

const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };
const TABLE = 'mfcdk-coordination';
type States = Record<string, Record<string, unknown>>;

let server: http.Server;
let endpoint: string;
let dynamo: DynamoDBClient;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-compiled-standin-'));

interface TaskRecord { pathspec: string; inputs: string[]; split_index?: number; run_parameters?: Record<string, unknown>; retry_count: number }

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
  });
  return buildMetaflowDefinition(plan, { partition: 'aws', jobDefinitionArn: (k) => `jd-${k}`, jobQueueArn: (q) => q }, deploymentOf(fixture), { staticBatchSteps: fixture.staticBatchSteps });
}

function allStates(states: States): Array<[string, Record<string, unknown>]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, Record<string, unknown>],
    ...allStates((state.Iterator as { States: States } | undefined)?.States ?? {}),
    ...((state.Branches as Array<{ States: States }> | undefined) ?? []).flatMap((b) => allStates(b.States)),
  ]);
}

async function runFlow(fixture: Recorded, executionName: string, input: object) {
  const datastore = path.join(work, fixture.dir);
  const codeDir = path.join(work, `${fixture.dir}-code`);
  fs.mkdirSync(codeDir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, fixture.dir, 'flow.py'), path.join(codeDir, `${fixture.dir}.py`));
  const definition = compiled(fixture);
  const jobs: string[] = [];
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of allStates(definition.States as States)) {
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
        // What submitJob.sync returns, more than the two keys the state keeps.
        return { JobId: jobId, JobName: 'x', Status: 'SUCCEEDED', Parameters: request.Parameters, Container: { ExitCode: 0 } };
      };
    } else if (String(state.Resource).endsWith(':dynamodb:getItem')) {
      handlers[name] = async (request: GetItemCommandInput) => dynamo.send(new GetItemCommand(request)).then(({ Item }) => ({ Item }));
    }
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never }, context: { Execution: { Name: executionName } } as never });
  await execution.result;
  const runDir = path.join(datastore, fixture.graph.document.name, `sfn-${executionName}`);
  const tasks = (step: string): TaskRecord[] =>
    fs.existsSync(path.join(runDir, step)) ? fs.readdirSync(path.join(runDir, step)).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8'))) : [];
  return { tasks, jobs };
}

function widthOf(fixture: Recorded, step: string): number {
  const source = fs.readFileSync(path.join(FIXTURES, fixture.dir, 'flow.py'), 'utf-8');
  const param = fixture.graph.nodes.get(step)!.foreachParam!;
  const literal = new RegExp(`self\\.${param} = (\\[.*\\])`).exec(source)![1];
  return JSON.parse(literal.replace(/'/g, '"')).length;
}

const FIXTURES_RECORDED = new Map(FIXTURE_FLOWS.map((dir) => [dir, recorded(dir)]));
const runs = new Map<string, Awaited<ReturnType<typeof runFlow>>>();

beforeAll(async () => {
  const dynalite = require('dynalite') as (o: object) => http.Server;
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dynamo = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await dynamo.send(new CreateTableCommand({ TableName: TABLE, AttributeDefinitions: [{ AttributeName: 'pathspec', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pathspec', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  // Our execution input: Parameters as an object, as the CLI, schedules and S3 triggers start runs.
  const results = await Promise.all([...FIXTURES_RECORDED].map(([dir, fixture]) => runFlow(fixture, `ours-${dir}`, { Parameters: { greeting: 'hi' } })));
  FIXTURE_FLOWS.forEach((dir, i) => runs.set(dir, results[i]));
}, 120_000);

afterAll(async () => {
  dynamo?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

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
    const graph = fixture.graph;
    for (const [name, node] of graph.nodes) {
      const open = node.splitParents.filter((p) => graph.nodes.get(p)!.type === 'foreach' && graph.nodes.get(p)!.matchingJoin !== name);
      expect({ name, tasks: result.tasks(name).length }).toEqual({ name, tasks: open.reduce((n, p) => n * widthOf(fixture, p), 1) });
      const foreachParent = node.inFuncs.find((p) => graph.nodes.get(p)!.type === 'foreach');
      if (foreachParent !== undefined) {
        const perParent = new Map<string, number[]>();
        for (const task of result.tasks(name)) perParent.set(task.inputs[0], [...(perParent.get(task.inputs[0]) ?? []), task.split_index!]);
        for (const indexes of perParent.values()) expect(indexes.sort()).toEqual([...Array(widthOf(fixture, foreachParent)).keys()]);
      }
      if (node.type !== 'foreach') continue;
      for (const task of result.tasks(name)) {
        const { Item } = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { pathspec: { S: task.pathspec.split('/')[3] } }, ConsistentRead: true }));
        expect(Item?.for_each_cardinality.NS?.length).toBe(widthOf(fixture, name));
        const join = result.tasks(node.matchingJoin!).find((j) => j.inputs.some((i) => Item!.parent_task_ids_for_foreach_join.SS!.includes(i.split('/')[2])));
        expect(join?.inputs.map((i) => i.split('/')[2]).sort()).toEqual([...Item!.parent_task_ids_for_foreach_join.SS!].sort());
      }
    }
  });

  test('the run sees parameter defaults merged with the object Parameters of our execution input', () => {
    const result = runs.get(dir)!;
    const defaults = Object.fromEntries((fixture.graph.document.parameters ?? []).filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    const expected = fixture.graph.document.parameters?.length ? { ...defaults, greeting: 'hi' } : {};
    for (const task of result.tasks(fixture.graph.end)) expect(task.run_parameters ?? {}).toEqual(expected);
  });
});
