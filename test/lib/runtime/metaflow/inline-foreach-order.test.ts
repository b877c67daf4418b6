import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { buildMetaflowDefinition } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import { INPUT_PATHS_FILE } from '../../../../lib/runtime/metaflow/array-foreach';
import { JOIN_ORDER_ATTRIBUTES, JOIN_PARENTS_PATH, joinOrderKey, orderedJoinInputsCommand } from '../../../../lib/runtime/metaflow/inline-foreach-order';
import { STANDIN_STEP_SCRIPT } from '../../../../lib/runtime/metaflow/standin';
import { metaflowForeachStateNames } from '../../../../lib/runtime/metaflow/states';
import { recorded } from './fixture-deployment';
import { CREDENTIALS, createCoordinationTable, startDynalite, type LocalDynamo } from './local-sfn';

// The join of an inline-Map foreach: the state machine stores the Map's job ids in its item order with the split
// indexes it iterated (DynamoDB's number-set order), and the join's command pairs and sorts them into split order.

const TABLE = 'coordination';
const FOREACH_ID = 'd3a4f1c2-5b6e-4f70-8a91-b2c3d4e5f607';
const PYTHON = process.env.METAFLOW_CDK_PYTHON ?? 'python3';
let local: LocalDynamo;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-join-order-'));

beforeAll(async () => {
  local = await startDynalite();
  await createCoordinationTable(local.dynamo, TABLE);
});
afterAll(async () => {
  await local.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs the join's command as the job would (`python -c`), with the stand-in's Metaflow client; returns the file. */
async function runJoinCommand(lastSteps: readonly string[]): Promise<string> {
  const code = /^python -c '(.*)'$/s.exec(orderedJoinInputsCommand(lastSteps, INPUT_PATHS_FILE))![1];
  const here = path.dirname(STANDIN_STEP_SCRIPT);
  // Asynchronously: dynalite answers from this process.
  await promisify(execFile)(PYTHON, ['-c', code], {
    cwd: work,
    env: {
      PATH: process.env.PATH,
      ...CREDENTIALS,
      PYTHONPATH: [path.join(here, 'standin_metaflow'), here].join(path.delimiter),
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
      METAFLOW_SFN_DYNAMO_DB_TABLE: TABLE,
      METAFLOW_SPLIT_PARENT_TASK_ID: FOREACH_ID,
      METAFLOW_RUN_ID: 'exec-1',
    },
  });
  return fs.readFileSync(path.join(work, INPUT_PATHS_FILE), 'utf-8');
}

test('the join command pairs each iteration\'s job id with its split index and writes the input paths in split order', async () => {
  const width = 12;
  // A Map iterates the number set in DynamoDB's order; iteration k returns the job id of split items[k].
  const items = [7, 0, 11, 3, 9, 1, 5, 10, 2, 8, 6, 4];
  const jobOf = (split: number) => `job-of-split-${String(split).padStart(2, '0')}`;
  await local.dynamo.send(new PutItemCommand({
    TableName: TABLE,
    Item: {
      pathspec: { S: joinOrderKey(FOREACH_ID) },
      [JOIN_ORDER_ATTRIBUTES.taskIds]: { S: JSON.stringify(items.map((i) => ({ JobId: jobOf(i) }))) },
      [JOIN_ORDER_ATTRIBUTES.splitIndexes]: { S: JSON.stringify(items.map(String)) },
      ttl: { N: '9999999999' },
    },
  }));
  expect(await runJoinCommand(['body'])).toBe(`sfn-exec-1/body/:${[...Array(width).keys()].map(jobOf).join(',')}`);
});

test('when a switch in the body picks the last step, each input path names the step its Map result names', async () => {
  const items = [2, 0, 1];
  const stepOf = (split: number) => (split % 2 === 0 ? 'handle_a' : 'handle_b');
  await local.dynamo.send(new PutItemCommand({
    TableName: TABLE,
    Item: {
      pathspec: { S: joinOrderKey(FOREACH_ID) },
      [JOIN_ORDER_ATTRIBUTES.taskIds]: { S: JSON.stringify(items.map((i) => ({ JobId: `job-${i}`, Step: stepOf(i) }))) },
      [JOIN_ORDER_ATTRIBUTES.splitIndexes]: { S: JSON.stringify(items.map(String)) },
      ttl: { N: '9999999999' },
    },
  }));
  expect(await runJoinCommand(['handle_a', 'handle_b'])).toBe('sfn-exec-1:/handle_a/job-0,/handle_b/job-1,/handle_a/job-2');
});

test('the compiled inline Map keeps its results and stores them before the join', () => {
  const fixture = recorded('nested_foreach_flow');
  const queue = fixture.deployment.batchDefaults.queue.split('/').pop()!;
  const plan = planFlow(fixture.graph.document, { queues: [{ name: queue, capabilities: { platform: 'EC2', gpu: true, neuron: true, spot: true, maxVcpus: 16 } }], defaultQueueName: queue, image: 'python:3.11', datastoreBucket: 'mf', datastorePrefix: 'metaflow' });
  expect(plan.foreachStrategies.start).toBe('inline-map');
  const definition = buildMetaflowDefinition(plan, { partition: 'aws', jobDefinitionArn: (k) => `jd-${k}`, jobQueueArn: (q) => q, fanoutFunctionArn: 'fanout' }, { ...fixture.deployment, dynamoDbTable: TABLE }, { staticBatchSteps: fixture.staticBatchSteps });
  const names = metaflowForeachStateNames('row');
  const states = definition.States as Record<string, Record<string, unknown>>;
  expect(states[names.map]).toMatchObject({ ResultPath: JOIN_PARENTS_PATH, Next: names.joinOrder });
  expect(states[names.joinOrder]).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: TABLE } });
  const joinScript = JSON.stringify(states.join_rows);
  expect(joinScript).toContain(`--input-paths-filename ${INPUT_PATHS_FILE}`);
  expect(joinScript).not.toContain('set_batch_environment parent_tasks');
});
