import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as s3 from '@aws-sdk/client-s3';
import { startLocalServers, type LocalServers } from '../../lib/local/services/servers';
import { storeCodePackageCommand } from '../../lib/runtime/metaflow/command';
import { describeWithRealMetaflow } from '../support/real-metaflow';

// The start task's copy of the code package to its content address, run with boto3 against the local S3: it copies
// once, leaves a present copy alone, and fails the task with a log line when it cannot copy.

const DATASTORE_URL = `s3://store/metaflow/HelloFlow/data/ab/ab${'0'.repeat(38)}`;

describeWithRealMetaflow('storeCodePackageCommand with boto3', (real) => {
  let servers: LocalServers;
  let client: s3.S3Client;
  let bin: string;

  beforeAll(async () => {
    servers = await startLocalServers();
    client = new s3.S3Client({ endpoint: servers.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const bucket of ['assets', 'store']) await client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-store-bin-'));
    fs.symlinkSync(real().python, path.join(bin, 'python'));
  }, 60_000);
  afterAll(async () => {
    await servers?.stop();
    fs.rmSync(bin, { recursive: true, force: true });
  });

  // asynchronous: the local S3 answers from this process's event loop
  function store(url: string): Promise<{ status: number | null; stdout: string }> {
    const script = `mflog(){ echo "$1"; } && ${storeCodePackageCommand(url, DATASTORE_URL)} && echo stored`;
    const env = { ...servers.env, PATH: `${bin}:${process.env.PATH}`, METAFLOW_S3_ENDPOINT_URL: servers.s3Endpoint, HOME: bin };
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout }));
    });
  }
  const stored = async () => (await client.send(new s3.GetObjectCommand({ Bucket: 'store', Key: DATASTORE_URL.slice('s3://store/'.length) }))).Body!.transformToString();

  test('copies the package when missing, keeps a present copy, and a failed copy exits 1 with its log line', async () => {
    await client.send(new s3.PutObjectCommand({ Bucket: 'assets', Key: 'one.tgz', Body: 'first' }));
    expect(await store('s3://assets/one.tgz')).toEqual({ status: 0, stdout: 'stored\n' });
    expect(await stored()).toBe('first');

    await client.send(new s3.PutObjectCommand({ Bucket: 'assets', Key: 'one.tgz', Body: 'second' }));
    expect(await store('s3://assets/one.tgz')).toEqual({ status: 0, stdout: 'stored\n' });
    expect(await stored()).toBe('first'); // content-addressed: a present copy is left alone

    await client.send(new s3.DeleteObjectCommand({ Bucket: 'store', Key: DATASTORE_URL.slice('s3://store/'.length) }));
    const failed = await store('s3://assets/missing.tgz');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe(`Failed to copy the code package to ${DATASTORE_URL} (Run.code reads it there). Exiting...\n`);
  }, 60_000);
});
