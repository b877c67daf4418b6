import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as s3 from '@aws-sdk/client-s3';
import { startLocalServers, type LocalServers } from '../../lib/local/services/servers';
import { controlMapperJoinInputsCommand } from '../../lib/runtime/metaflow/control-mapper-tasks';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { runTaskShell } from './support/task-shell';

// The join's read of a control task's _control_mapper_tasks (an unbounded foreach's body, a @parallel step with
// @catch), run against a task datastore the real Metaflow wrote to the local S3.

const ROOT = 's3://store/metaflow';

describeWithRealMetaflow("the join's read of _control_mapper_tasks with the real Metaflow", (real) => {
  let servers: LocalServers;
  let work: string;

  beforeAll(async () => {
    servers = await startLocalServers();
    const client = new s3.S3Client({ endpoint: servers.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new s3.CreateBucketCommand({ Bucket: 'store' }));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-control-mappers-'));
    fs.mkdirSync(path.join(work, 'bin'));
    fs.symlinkSync(real().python, path.join(work, 'bin', 'python'));
  }, 60_000);
  afterAll(async () => {
    await servers?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const bash = (script: string, env: Record<string, string>) => runTaskShell(script, { work, servers, metaflowSrc: real().metaflowSrc }, env);

  /** Saves a done task whose only artifact is `_control_mapper_tasks`, as Metaflow's task does. */
  async function saveControlTask(task: string, mappers: readonly string[]): Promise<void> {
    const code = [
      'from metaflow.datastore import FlowDataStore',
      'from metaflow.plugins.datastores.s3_storage import S3Storage',
      `ds = FlowDataStore("CatchParallelFlow", storage_impl=S3Storage, ds_root="${ROOT}").get_task_datastore("sfn-R1", "train", "${task}", attempt=0, mode="w")`,
      'ds.init_task()',
      `ds.save_artifacts(iter([("_control_mapper_tasks", ${JSON.stringify(mappers)})]))`,
      'ds.done()',
    ].join('\n');
    fs.writeFileSync(path.join(work, 'save.py'), code);
    const saved = await bash('python save.py', {});
    expect({ status: saved.status, stderr: saved.stderr.trim().split('\n').pop() }).toEqual({ status: 0, stderr: '' });
  }

  async function joinInputs(controlTask: string): Promise<{ status: number | null; paths?: string }> {
    fs.rmSync(path.join(work, 'inputs'), { force: true });
    const command = controlMapperJoinInputsCommand('CatchParallelFlow', 'train', `${ROOT}/`, 'inputs', 'CONTROL_TASK');
    const ran = await bash(command, { METAFLOW_RUN_ID: 'R1', CONTROL_TASK: controlTask });
    return { status: ran.status, paths: fs.existsSync(path.join(work, 'inputs')) ? fs.readFileSync(path.join(work, 'inputs'), 'utf-8') : undefined };
  }

  test('writes every mapper task in the order the control task lists them, or the control task alone', async () => {
    await saveControlTask('J', ['sfn-R1/train/J', 'sfn-R1/train/J-node-1', 'sfn-R1/train/J-node-2']);
    await saveControlTask('K', ['sfn-R1/train/K']);
    expect(await joinInputs('J')).toEqual({ status: 0, paths: 'sfn-R1/train/:J,J-node-1,J-node-2' });
    expect(await joinInputs('K')).toEqual({ status: 0, paths: 'sfn-R1/train/:K' });
  }, 120_000);

  test('fails, writing nothing, when the control task left no datastore', async () => {
    const missing = await joinInputs('nobody');
    expect(missing.status).not.toBe(0);
    expect(missing.paths).toBeUndefined();
  }, 60_000);
});
