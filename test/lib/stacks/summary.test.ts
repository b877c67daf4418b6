import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';
import { MetaflowInfrastructure } from '../../../constructs/infrastructure/metaflow-infrastructure';
import { formatSummary, renderCfnValue, summarizeAssembly, summarizeTemplate } from '../../../lib/stacks/summary';

const template = {
  Resources: {
    SpotCe: {
      Type: 'AWS::Batch::ComputeEnvironment',
      Properties: { ComputeResources: { Type: 'SPOT', MaxvCpus: 64, MinvCpus: 0, InstanceTypes: ['default_x86_64'], Ec2Configuration: [{ ImageType: 'ECS_AL2023' }], AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' } },
      Metadata: { 'aws:cdk:path': 'S/Metaflow/Compute-spot/Resource/Resource' },
    },
    OdCe: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { ComputeResources: { Type: 'EC2', MaxvCpus: 32 } } },
    CpuQ: {
      Type: 'AWS::Batch::JobQueue',
      Properties: {
        Priority: 10,
        ComputeEnvironmentOrder: [
          { Order: 2, ComputeEnvironment: { 'Fn::GetAtt': ['OdCe', 'ComputeEnvironmentArn'] } },
          { Order: 1, ComputeEnvironment: { 'Fn::GetAtt': ['SpotCe', 'ComputeEnvironmentArn'] } },
        ],
        JobStateTimeLimitActions: [{ Action: 'CANCEL', Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', MaxTimeSeconds: 600 }],
      },
    },
  },
  Outputs: {
    MetaflowJobQueues: { Value: { 'Fn::Join': ['', ['{"cpu":"', { 'Fn::GetAtt': ['CpuQ', 'JobQueueArn'] }, '"}']] } },
    MetaflowDatastoreSysrootS3: { Value: { 'Fn::Join': ['', ['s3://', { Ref: 'Bucket' }, '/metaflow']] } },
  },
};

describe('summarizeTemplate', () => {
  const summary = summarizeTemplate('S', template);

  it('lists compute environments by construct name, or logical id without path metadata', () => {
    expect(summary.computeEnvironments.map((c) => [c.name, c.type, c.maxVcpus])).toEqual([['spot', 'SPOT', 64], ['OdCe', 'EC2', 32]]);
    expect(summary.computeEnvironments[0]).toMatchObject({ imageTypes: ['ECS_AL2023'], allocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' });
  });

  it('lists queues by name with their environments in order', () => {
    expect(summary.queues).toEqual([
      { logicalId: 'CpuQ', name: 'cpu', priority: 10, computeEnvironments: ['spot', 'OdCe'], watchdog: ['CANCEL MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT after 600s'] },
    ]);
  });

  it('renders outputs with references as placeholders', () => {
    expect(summary.outputs.MetaflowDatastoreSysrootS3).toBe('s3://<Bucket>/metaflow');
    expect(summary.resourceCount).toBe(3);
  });

  it('formats everything a reader needs', () => {
    const text = formatSummary([summary]);
    expect(text).toContain('Stack S (3 resources)');
    expect(text).toContain('- spot: SPOT, max 64 vCPUs, min 0, instances default_x86_64, AMI ECS_AL2023, SPOT_PRICE_CAPACITY_OPTIMIZED');
    expect(text).toContain('- cpu (priority 10): spot -> OdCe');
    expect(text).toContain('MetaflowDatastoreSysrootS3 = s3://<Bucket>/metaflow');
  });
});

describe('renderCfnValue', () => {
  it('renders literals, joins, refs and attributes', () => {
    expect(renderCfnValue(3)).toBe('3');
    expect(renderCfnValue({ Ref: 'X' })).toBe('<X>');
    expect(renderCfnValue({ 'Fn::GetAtt': ['X', 'Arn'] })).toBe('<X.Arn>');
    expect(renderCfnValue({ 'Fn::Join': ['-', ['a', { Ref: 'B' }]] })).toBe('a-<B>');
    expect(renderCfnValue({ 'Fn::Select': [0, []] })).toBe('{"Fn::Select":[0,[]]}');
  });
});

describe('summarizeAssembly', () => {
  it('reads queues, their environment order and the outputs back from a synthesized app', () => {
    const app = new App({ context: { 'aws:cdk:enable-path-metadata': true } });
    const stack = new Stack(app, 'Small');
    // An imported VPC keeps the synth small: the summary reads queues and environments, not the network.
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['a'], privateSubnetIds: ['subnet-1'] });
    new MetaflowInfrastructure(stack, 'Metaflow', {
      vpc,
      computeEnvironments: { fargateSpot: ComputeEnvironmentPresets.fargateSpot({ maxVcpus: 8 }), fargate: ComputeEnvironmentPresets.fargate({ maxVcpus: 8 }) },
      queues: [{ name: 'serverless', computeEnvironments: ['fargateSpot', 'fargate'] }],
    });
    const [summary] = summarizeAssembly(app.synth());
    expect(summary.stackName).toBe('Small');
    expect(summary.computeEnvironments.map((c) => `${c.name}:${c.type}`)).toEqual(['fargateSpot:FARGATE_SPOT', 'fargate:FARGATE']);
    expect(summary.queues.map((q) => `${q.name}: ${q.computeEnvironments.join(' -> ')}`)).toEqual(['serverless: fargateSpot -> fargate']);
    expect(summary.outputs.MetaflowSfnStateMachinePrefix).toBe('Small');
  });
});
