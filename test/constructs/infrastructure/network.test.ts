import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { MetaflowNetwork } from '../../../constructs/infrastructure/network';
import { newStack, problemsOf } from '../support';

describe('MetaflowNetwork', () => {
  let template: Template;
  let network: MetaflowNetwork;
  beforeAll(() => {
    const stack = newStack();
    network = new MetaflowNetwork(stack, 'Net');
    template = Template.fromStack(stack);
  });

  it('has private subnets with egress through one NAT gateway in 2 AZs', () => {
    expect(network.vpc.privateSubnets).toHaveLength(2);
    expect(network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('keeps S3 and DynamoDB traffic on gateway endpoints', () => {
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) => JSON.stringify(e.Properties.ServiceName));
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    expect(services.some((s) => s.includes('.dynamodb'))).toBe(true);
  });

  it('empties the default security group, acknowledging the provider Lambda outside the VPC', () => {
    const [restrict] = Object.values(template.findResources('Custom::VpcRestrictDefaultSG'));
    expect(restrict.Properties.DefaultSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^NetVpc/), 'DefaultSecurityGroup'] });
    const acknowledged = network.customResourceProvider!.node.metadata.flatMap((m) => Object.keys(m.data as object));
    expect(acknowledged).toContainEqual(expect.stringContaining('lambda_inside_vpc_check'));
  });

  it('leaves the default security group alone when asked', () => {
    const stack = newStack();
    const plain = new MetaflowNetwork(stack, 'Net', { restrictDefaultSecurityGroup: false });
    expect(plain.customResourceProvider).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('Custom::VpcRestrictDefaultSG', 0);
  });

  it('logs flows to a retained log group with retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
  });

  it('refuses, on its own as inside MetaflowInfrastructure, a VPC whose jobs would have no way out', () => {
    expect(problemsOf(() => new MetaflowNetwork(newStack(), 'Net', { natGateways: 0 }))).toEqual([expect.objectContaining({ where: 'Test/Net', field: 'natGateways', value: 0 })]);
  });
});
