import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startLocalServers } from '../../../../lib/local/services/servers';

function clients(env: Readonly<Record<string, string>>) {
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  return {
    s3: new S3Client({ endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, region: env.AWS_REGION, credentials }),
    ddb: new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: env.AWS_REGION, credentials }),
  };
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('startLocalServers', () => {
  test('serves S3 and DynamoDB on 127.0.0.1 and stops both, removing the temporary directory it made', async () => {
    const servers = await startLocalServers();
    expect(servers.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { s3, ddb } = clients(servers.env);
    await s3.send(new CreateBucketCommand({ Bucket: 'probe-bucket' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('probe-bucket');
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect(fs.readdirSync(servers.s3Directory)).toContain('probe-bucket');
    await servers.stop();
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toThrow();
    expect(fs.existsSync(servers.s3Directory)).toBe(false);
    s3.destroy();
    ddb.destroy();
  });

  test('a directory it is given stays after stop', async () => {
    const s3Directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-servers-'));
    try {
      const servers = await startLocalServers({ s3Directory });
      const { s3 } = clients(servers.env);
      await s3.send(new CreateBucketCommand({ Bucket: 'kept-bucket' }));
      await servers.stop();
      s3.destroy();
      expect(fs.readdirSync(s3Directory)).toContain('kept-bucket');
    } finally {
      fs.rmSync(s3Directory, { recursive: true, force: true });
    }
  });

  test('a later run listens on the same ports when they are free, else on new ones', async () => {
    const first = await startLocalServers();
    await first.stop();
    const second = await startLocalServers();
    expect(second.s3Endpoint).toBe(first.s3Endpoint);
    expect(second.dynamodbEndpoint).toBe(first.dynamodbEndpoint);
    await second.stop();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(portOf(second.s3Endpoint), '127.0.0.1', resolve));
    const third = await startLocalServers();
    expect(third.s3Endpoint).not.toBe(second.s3Endpoint);
    await third.stop();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});
