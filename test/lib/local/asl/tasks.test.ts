import { LOCAL_DISTRIBUTED_MAP_RESOURCE } from '../../../../lib/local/asl/prepare';
import { taskHandlerFor, TaskServices } from '../../../../lib/local/asl/tasks';

describe('taskHandlerFor', () => {
  const calls: unknown[][] = [];
  const services = {
    batch: { submitJobSync: async (...args: unknown[]) => (calls.push(['batch', ...args]), { JobId: 'j' }) },
    lambda: {
      invoke: async (...args: unknown[]) => (calls.push(['invoke', ...args]), { Payload: 1, StatusCode: 200 }),
      call: async (...args: unknown[]) => (calls.push(['call', ...args]), 2),
    },
    aws: { call: async (...args: unknown[]) => (calls.push(['aws', ...args]), {}) },
    distributedMap: async (...args: unknown[]) => (calls.push(['map', ...args]), []),
    background: new Set(),
  } as unknown as TaskServices;
  beforeEach(() => (calls.length = 0));

  test('routes Batch jobs with the step name from the Metaflow parameter, else the state name', async () => {
    await taskHandlerFor('State', 'arn:aws-cn:states:::batch:submitJob.sync', services)!({ Parameters: { 'metaflow.step_name': 'train' } });
    await taskHandlerFor('State', 'arn:aws:states:::batch:submitJob.sync', services)!({});
    expect(calls.map((c) => c[1])).toEqual(['train', 'State']);
  });

  test('routes Lambda integrations, plain Lambda ARNs, DynamoDB, aws-sdk S3 and the map runner', async () => {
    await taskHandlerFor('s', 'arn:aws:states:::lambda:invoke', services)!({ FunctionName: 'f', Payload: { a: 1 } });
    await taskHandlerFor('s', 'arn:aws:lambda:us-east-1:123:function:g', services)!({ b: 2 });
    await taskHandlerFor('s', 'arn:aws:states:::dynamodb:getItem', services)!({ TableName: 't' });
    await taskHandlerFor('s', 'arn:aws:states:::aws-sdk:s3:getObject', services)!({ Bucket: 'b' });
    await taskHandlerFor('m', LOCAL_DISTRIBUTED_MAP_RESOURCE, services)!({ Input: 1 });
    expect(calls).toEqual([
      ['invoke', 'f', { a: 1 }],
      ['call', 'g', { b: 2 }],
      ['aws', 'dynamodb', 'getItem', { TableName: 't' }, 'DynamoDB'],
      ['aws', 's3', 'getObject', { Bucket: 'b' }, 'S3'],
      ['map', 'm', { Input: 1 }],
    ]);
  });

  test('returns undefined for resources the engine cannot run', () => {
    expect(taskHandlerFor('s', 'arn:aws:states:::sns:publish', services)).toBeUndefined();
    expect(taskHandlerFor('s', 'arn:aws:states:::aws-sdk:ec2:runInstances', services)).toBeUndefined();
    expect(taskHandlerFor('s', 'arn:aws:states:us-east-1:123:activity:a', services)).toBeUndefined();
  });
});
