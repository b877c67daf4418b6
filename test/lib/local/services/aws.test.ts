import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { LocalAws } from '../../../../lib/local/services/aws';
import { LocalServers, startLocalServers } from '../../../../lib/local/services/servers';
import { LocalAssembly } from '../../../../lib/local/template/assembly';

describe('LocalAws', () => {
  let servers: LocalServers;
  let aws: LocalAws;
  beforeAll(async () => {
    servers = await startLocalServers();
    aws = new LocalAws(servers);
    await aws.createResources(
      LocalAssembly.fromTemplates({
        S: {
          Resources: {
            Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data-bucket' } },
            T: {
              Type: 'AWS::DynamoDB::Table',
              Properties: {
                TableName: 'coordination',
                KeySchema: [{ AttributeName: 'pathspec', KeyType: 'HASH' }],
                AttributeDefinitions: [{ AttributeName: 'pathspec', AttributeType: 'S' }],
                BillingMode: 'PAY_PER_REQUEST',
              },
            },
          },
        },
      }),
    );
  });
  afterAll(async () => {
    aws.destroy();
    await servers.stop();
  });

  test('creates the buckets and tables of the app with their key schema', async () => {
    expect((await aws.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['data-bucket']);
    const table = await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'coordination' }));
    expect(table.Table?.KeySchema).toEqual([{ AttributeName: 'pathspec', KeyType: 'HASH' }]);
  });

  test('calls SDK actions by name, returns bodies as text, and prefixes errors like Step Functions', async () => {
    await aws.call('dynamodb', 'putItem', { TableName: 'coordination', Item: { pathspec: { S: 'a' }, n: { N: '1' } } }, 'DynamoDB');
    expect(await aws.call('dynamodb', 'getItem', { TableName: 'coordination', Key: { pathspec: { S: 'a' } } }, 'DynamoDB')).toEqual({
      Item: { pathspec: { S: 'a' }, n: { N: '1' } },
    });
    await aws.call('s3', 'putObject', { Bucket: 'data-bucket', Key: 'k', Body: '[1]' }, 'S3');
    expect(await aws.call('s3', 'getObject', { Bucket: 'data-bucket', Key: 'k' }, 'S3')).toMatchObject({ Body: '[1]' });
    await expect(aws.call('s3', 'getObject', { Bucket: 'data-bucket', Key: 'none' }, 'S3')).rejects.toMatchObject({ name: 'S3.NoSuchKey' });
    await expect(aws.call('dynamodb', 'getItem', { TableName: 'nope', Key: { pathspec: { S: 'a' } } }, 'DynamoDB')).rejects.toMatchObject({
      name: 'DynamoDB.ResourceNotFoundException',
    });
    await expect(aws.call('s3', 'frobnicate', {}, 'S3')).rejects.toThrow(/not an action/);
  });
});
