import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../lambda/catch-recorder';

const s3 = mockClient(S3Client);

beforeEach(() => {
  s3.reset();
  process.env.FLOW_NAME = 'Demo';
  process.env.DATASTORE_BUCKET = 'bucket';
  process.env.DATASTORE_PREFIX = 'metaflow';
});

describe('catch recorder', () => {
  it('stores the failure under the task root where later steps read it', async () => {
    s3.on(PutObjectCommand).resolves({});
    const cause = JSON.stringify({ StatusReason: 'Essential container in task exited', JobId: 'j' });
    const result = await handler({ step: 'train', var: 'failure', runId: 'sfn-1', taskId: '1-2', error: 'States.TaskFailed', cause });
    expect(result.key).toBe('metaflow/Demo/sfn-1/train/1-2/_catch.json');
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    const record = JSON.parse(String(put.Body));
    expect(record).toMatchObject({ step: 'train', taskId: '1-2', var: 'failure', error: 'States.TaskFailed', cause: { StatusReason: 'Essential container in task exited' } });
  });

  it("stores a multi-node step's failure under each node's task", async () => {
    s3.on(PutObjectCommand).resolves({});
    const result = await handler({ step: 'train', runId: 'r', taskId: '1', error: 'E', cause: 'c', nodes: 3 });
    expect(result.key).toBe('metaflow/Demo/r/train/1-0/_catch.json');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['1-0', '1-1', '1-2'].map((t) => `metaflow/Demo/r/train/${t}/_catch.json`));
  });

  it('keeps a cause that is not JSON as text', async () => {
    s3.on(PutObjectCommand).resolves({});
    await handler({ step: 's', runId: 'r', taskId: '1', error: 'E', cause: 'plain words' });
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body)).cause).toBe('plain words');
  });
});
