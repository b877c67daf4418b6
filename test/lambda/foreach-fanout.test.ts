import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ForeachWidthMissing, handler } from '../../lambda/foreach-fanout';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
const body = (text: string) => ({ Body: { transformToString: async () => text } }) as never;
const event = { step: 'start', runId: 'sfn-abc', taskId: '1', maxWorkers: 16, jobId: 'job-1' };

beforeEach(() => {
  s3.reset();
  ddb.reset();
  process.env.FLOW_NAME = 'Demo';
  process.env.DATASTORE_BUCKET = 'bucket';
  process.env.DATASTORE_PREFIX = 'metaflow';
  process.env.COORDINATION_TABLE = 'table';
  delete process.env.FOREACH_WIDTH_SOURCE;
});

describe('foreach fan-out', () => {
  it('reads the width a generic step wrote and returns array-job chunks', async () => {
    s3.on(GetObjectCommand, { Bucket: 'bucket', Key: 'metaflow/Demo/sfn-abc/start/1/_foreach.json' }).resolves(body('{"width": 40}'));
    const result = await handler({ ...event, strategy: 'array-job' });
    expect(result.width).toBe(40);
    expect(result.waves!.flatMap((w) => w.chunks).reduce((n, c) => n + c.size, 0)).toBe(40);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('writes the item manifest of a Distributed Map to S3 and returns only where it is', async () => {
    s3.on(GetObjectCommand).resolves(body('{"width": 5}'));
    s3.on(PutObjectCommand).resolves({});
    const result = await handler({ ...event, taskId: '1-3', strategy: 'distributed-map' });
    const key = 'metaflow/_metaflow-cdk/Demo/foreach/sfn-abc/start/1-3.json';
    expect(result).toEqual({ width: 5, manifest: { bucket: 'bucket', key } });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'bucket', Key: key, Body: '[0,1,2,3,4]' });
  });

  it('returns the indices for an inline Map', async () => {
    s3.on(GetObjectCommand).resolves(body('{"width": 3}'));
    expect(await handler({ ...event, strategy: 'inline-map' })).toEqual({ width: 3, items: [0, 1, 2] });
  });

  it('reads the DynamoDB item the Metaflow runtime writes (protocol section 4)', async () => {
    process.env.FOREACH_WIDTH_SOURCE = 'dynamodb';
    ddb.on(GetItemCommand, { TableName: 'table', Key: { pathspec: { S: 'job-1' } } }).resolves({ Item: { for_each_cardinality: { NS: ['0', '1', '2', '3'] } } });
    const result = await handler({ ...event, strategy: 'inline-map' });
    expect(result.width).toBe(4);
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('creates the join-set items of a Metaflow array-job foreach with the foreach item\'s ttl, 25 per request, retrying unprocessed ones', async () => {
    process.env.FOREACH_WIDTH_SOURCE = 'dynamodb';
    const width = 2_601; // 27 blocks of 100 splits: two requests
    ddb.on(GetItemCommand).resolves({ Item: { for_each_cardinality: { NS: Array.from({ length: width }, (_, i) => String(i)) }, ttl: { N: '1900000000' } } });
    let calls = 0;
    ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      calls++;
      // the first request leaves its last item unprocessed, as a throttled write does
      return calls === 1 ? { UnprocessedItems: { table: input.RequestItems.table.slice(-1) } } : {};
    });
    const result = await handler({ ...event, strategy: 'array-job', joinSetBlock: 100 });
    expect(result.width).toBe(width);
    const written = ddb.commandCalls(BatchWriteItemCommand).flatMap((c) => c.args[0].input.RequestItems!.table.map((r) => r.PutRequest!.Item!));
    expect(ddb.commandCalls(BatchWriteItemCommand).every((c) => c.args[0].input.RequestItems!.table.length <= 25)).toBe(true);
    const keys = written.map((item) => item.pathspec.S);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: 27 }, (_, b) => `job-1-joins-${b}`)));
    expect(keys).toHaveLength(28);
    expect(written.every((item) => item.ttl.N === '1900000000' && Object.keys(item).length === 2)).toBe(true);
  });

  it('creates no join sets for a generic or inline-Map foreach', async () => {
    process.env.FOREACH_WIDTH_SOURCE = 'dynamodb';
    ddb.on(GetItemCommand).resolves({ Item: { for_each_cardinality: { NS: ['0', '1'] } } });
    await handler({ ...event, strategy: 'inline-map' });
    expect(ddb).not.toHaveReceivedCommand(BatchWriteItemCommand);
  });

  it('handles width 0', async () => {
    s3.on(GetObjectCommand).resolves(body('{"width": 0}'));
    expect(await handler({ ...event, strategy: 'array-job' })).toEqual({ width: 0, waves: [] });
  });

  it('fails with ForeachWidthMissing naming the object when the step wrote nothing or garbage', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no'), { name: 'NoSuchKey' }));
    await expect(handler({ ...event, strategy: 'array-job' })).rejects.toThrow(/did not write s3:\/\/bucket\/metaflow\/Demo\/sfn-abc\/start\/1\/_foreach.json/);
    s3.on(GetObjectCommand).resolves(body('{"width": -2}'));
    await expect(handler({ ...event, strategy: 'array-job' })).rejects.toBeInstanceOf(ForeachWidthMissing);
  });

  it("reads S3's AccessDenied for a missing record (no s3:ListBucket) and a JSON null as a missing width", async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(handler({ ...event, strategy: 'array-job' })).rejects.toThrow(/foreach step "start" did not write s3:\/\/bucket\/.+ \(S3 answered AccessDenied/);
    s3.on(GetObjectCommand).resolves(body('null'));
    await expect(handler({ ...event, strategy: 'array-job' })).rejects.toThrow(/holds null, not an object/);
  });

  it('builds nothing for a foreach past maxNumSplits: the state machine fails it by its width alone', async () => {
    s3.on(GetObjectCommand).resolves(body('{"width": 3000000}'));
    expect(await handler({ ...event, strategy: 'distributed-map', maxNumSplits: 100 })).toEqual({ width: 3000000, manifest: { bucket: 'bucket', key: '' } });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(await handler({ ...event, strategy: 'inline-map', maxNumSplits: 100 })).toEqual({ width: 3000000, items: [] });
    expect(await handler({ ...event, strategy: 'array-job', maxNumSplits: 100 })).toEqual({ width: 3000000, waves: [] });
  });

  it('needs its environment', async () => {
    delete process.env.DATASTORE_BUCKET;
    await expect(handler({ ...event, strategy: 'array-job' })).rejects.toThrow(/DATASTORE_BUCKET/);
  });
});
