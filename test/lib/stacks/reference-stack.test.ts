import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MetaflowReferenceStack } from '../../../lib/stacks/reference-stack';

describe('MetaflowReferenceStack', () => {
  let stack: MetaflowReferenceStack;
  let template: Template;
  beforeAll(() => {
    stack = new MetaflowReferenceStack(new App(), 'Ref', { env: { account: '123456789012', region: 'eu-west-1' } });
    template = Template.fromStack(stack);
  });

  it('has a spot-first CPU queue with on-demand fallback, a GPU queue and a Fargate queue', () => {
    const infra = stack.infrastructure;
    expect(infra.queues.map((q) => [q.name, q.capabilities.platform, q.capabilities.gpu, q.capabilities.spot])).toEqual([
      ['cpu', 'EC2', false, true],
      ['gpu', 'EC2', true, false],
      ['fargate', 'FARGATE', false, true],
    ]);
    expect(infra.defaultQueueName).toBe('cpu');
    const cpu = Object.entries(template.findResources('AWS::Batch::JobQueue')).find(([id]) => id.includes('Queuecpu'))![1];
    const order = cpu.Properties.ComputeEnvironmentOrder.map((o: { Order: number; ComputeEnvironment: { 'Fn::GetAtt': string[] } }) => [o.Order, o.ComputeEnvironment['Fn::GetAtt'][0]]);
    expect(order[0]).toEqual([1, expect.stringContaining('Computespot')]);
    expect(order[1]).toEqual([2, expect.stringContaining('ComputeonDemand')]);
  });

  it('offers one secret to steps, which no shared role reads (a flow that names it gets a role of its own)', () => {
    expect(stack.infrastructure.secrets).toEqual([stack.secret]);
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const readers = policies.filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument.Statement).includes('secretsmanager:GetSecretValue'));
    expect(readers.map(([id]) => id)).toEqual([]);
  });

  it('encrypts the datastore with its own key and keeps versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
    });
    expect(stack.infrastructure.stateMachinePrefix).toBe('metaflow');
  });
});
