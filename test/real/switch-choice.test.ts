import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ddb from '@aws-sdk/client-dynamodb';
import * as s3 from '@aws-sdk/client-s3';
import { startLocalServers, type LocalServers } from '../../lib/local/services/servers';
import { SWITCH_CHOSEN_ATTRIBUTE, SWITCH_KEY_SUFFIX, switchChoiceCommand } from '../../lib/runtime/metaflow/switch-step';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { runTaskShell } from './support/task-shell';

// The switch task's write of the step it chose, run against a task datastore the real Metaflow wrote to the local S3
// and the local DynamoDB, as the job runs it after Metaflow's `step`.

const ROOT = 's3://store/metaflow';
const TABLE = 'coordination';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

describeWithRealMetaflow("the switch task's write of its chosen step with the real Metaflow", (real) => {
  let servers: LocalServers;
  let dynamo: ddb.DynamoDBClient;
  let work: string;

  beforeAll(async () => {
    servers = await startLocalServers();
    const client = new s3.S3Client({ endpoint: servers.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
    await client.send(new s3.CreateBucketCommand({ Bucket: 'store' }));
    dynamo = new ddb.DynamoDBClient({ endpoint: servers.dynamodbEndpoint, region: 'us-east-1', credentials: CREDENTIALS });
    await dynamo.send(new ddb.CreateTableCommand({ TableName: TABLE, AttributeDefinitions: [{ AttributeName: 'pathspec', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pathspec', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-switch-choice-'));
    fs.mkdirSync(path.join(work, 'bin'));
    fs.symlinkSync(real().python, path.join(work, 'bin', 'python'));
  }, 60_000);
  afterAll(async () => {
    dynamo?.destroy();
    await servers?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const bash = (script: string, env: Record<string, string>) =>
    runTaskShell(script, { work, servers, metaflowSrc: real().metaflowSrc }, { METAFLOW_SFN_DYNAMO_DB_TABLE: TABLE, ...env });

  /** Saves a done task whose `_transition` is what `self.next({...}, condition=...)` records for `chosen`. */
  async function saveSwitchTask(task: string, ...chosen: string[]): Promise<void> {
    const code = [
      'from metaflow.datastore import FlowDataStore',
      'from metaflow.plugins.datastores.s3_storage import S3Storage',
      `ds = FlowDataStore("SwitchFlow", storage_impl=S3Storage, ds_root="${ROOT}").get_task_datastore("sfn-R1", "route", "${task}", attempt=0, mode="w")`,
      'ds.init_task()',
      `ds.save_artifacts(iter([("_transition", (${JSON.stringify(chosen)}, None))]))`,
      'ds.done()',
    ].join('\n');
    fs.writeFileSync(path.join(work, 'save.py'), code);
    const saved = await bash('python save.py', {});
    expect({ status: saved.status, stderr: saved.stderr.trim().split('\n').pop() }).toEqual({ status: 0, stderr: '' });
  }

  async function item(task: string): Promise<Record<string, ddb.AttributeValue> | undefined> {
    return (await dynamo.send(new ddb.GetItemCommand({ TableName: TABLE, Key: { pathspec: { S: `${task}${SWITCH_KEY_SUFFIX}` } }, ConsistentRead: true }))).Item;
  }

  test('puts the chosen step under <task id>-switch, with a ttl a year out or the workflow timeout', async () => {
    await saveSwitchTask('J1', 'left');
    const before = Math.floor(Date.now() / 1000);
    const ran = await bash(switchChoiceCommand('SwitchFlow', 'route', `${ROOT}/`), { METAFLOW_RUN_ID: 'R1', AWS_BATCH_JOB_ID: 'J1' });
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' });
    const written = await item('J1');
    expect(written?.[SWITCH_CHOSEN_ATTRIBUTE]).toEqual({ S: 'left' });
    expect(Number(written?.ttl.N) - before).toBeGreaterThanOrEqual(366 * 24 * 3600 - 5);

    await saveSwitchTask('J2', 'right');
    expect((await bash(switchChoiceCommand('SwitchFlow', 'route', ROOT), { METAFLOW_RUN_ID: 'R1', AWS_BATCH_JOB_ID: 'J2', METAFLOW_SFN_WORKFLOW_TIMEOUT: '3600' })).status).toBe(0);
    const timed = await item('J2');
    expect(timed?.[SWITCH_CHOSEN_ATTRIBUTE]).toEqual({ S: 'right' });
    expect(Number(timed?.ttl.N) - before).toBeLessThanOrEqual(3600 + 5);
  }, 120_000);

  test("fails with Metaflow's message when the task transitions to more than one step (@catch's fallback on a switch)", async () => {
    await saveSwitchTask('J3', 'left', 'right');
    const ran = await bash(switchChoiceCommand('SwitchFlow', 'route', ROOT), { METAFLOW_RUN_ID: 'R1', AWS_BATCH_JOB_ID: 'J3' });
    expect(ran.status).toBe(1);
    expect(ran.stderr.trim()).toBe('Switch step *route* should transition to exactly one step at runtime, but got: left, right');
    expect(await item('J3')).toBeUndefined();
  }, 60_000);

  test('fails, writing nothing, when the task left no datastore', async () => {
    const ran = await bash(switchChoiceCommand('SwitchFlow', 'route', ROOT), { METAFLOW_RUN_ID: 'R1', AWS_BATCH_JOB_ID: 'nobody' });
    expect(ran.status).not.toBe(0);
    expect(await item('nobody')).toBeUndefined();
  }, 60_000);
});
