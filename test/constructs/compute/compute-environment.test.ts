import { Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { MetaflowComputeEnvironment, NEURON_AMI_PARAMETER, computeSpecOf } from '../../../constructs/compute/compute-environment';
import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';
import { newStack, newVpc, problemsOf } from '../support';

describe('MetaflowComputeEnvironment presets', () => {
  let template: Template;
  const envs: Record<string, MetaflowComputeEnvironment> = {};
  beforeAll(() => {
    const stack = newStack();
    const vpc = newVpc(stack);
    envs.onDemand = new MetaflowComputeEnvironment(stack, 'OnDemand', { ...ComputeEnvironmentPresets.onDemand(), vpc });
    envs.spot = new MetaflowComputeEnvironment(stack, 'Spot', { ...ComputeEnvironmentPresets.spot({ spotBidPercentage: 70, maxVcpus: 512 }), vpc });
    envs.gpu = new MetaflowComputeEnvironment(stack, 'Gpu', { ...ComputeEnvironmentPresets.gpu({ instanceClasses: [ec2.InstanceClass.G6, ec2.InstanceClass.P5] }), vpc });
    envs.neuron = new MetaflowComputeEnvironment(stack, 'Neuron', { ...ComputeEnvironmentPresets.neuron(), vpc });
    envs.fargate = new MetaflowComputeEnvironment(stack, 'Fargate', { ...ComputeEnvironmentPresets.fargate({ maxVcpus: 64 }), vpc });
    envs.fargateSpot = new MetaflowComputeEnvironment(stack, 'FargateSpot', { ...ComputeEnvironmentPresets.fargateSpot(), vpc });
    template = Template.fromStack(stack);
  });

  const ce = (name: string) => {
    const all = template.findResources('AWS::Batch::ComputeEnvironment');
    const id = Object.keys(all).find((logicalId) => new RegExp(`^${name}[0-9A-F]{8}$`).test(logicalId))!;
    return all[id].Properties.ComputeResources;
  };

  it('on demand: scales to zero, current x86 classes, AL2023, private subnets, launch template', () => {
    expect(ce('OnDemand')).toMatchObject({ Type: 'EC2', MinvCpus: 0, MaxvCpus: 256, InstanceTypes: ['default_x86_64'], AllocationStrategy: 'BEST_FIT_PROGRESSIVE', Ec2Configuration: [{ ImageType: 'ECS_AL2023' }] });
    expect(JSON.stringify(ce('OnDemand').Subnets)).toContain('PrivateSubnet');
    expect(ce('OnDemand').LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: expect.stringMatching(/^OnDemandLaunchTemplate/) },
      // pinned, so a changed template updates the environment
      Version: { 'Fn::GetAtt': [expect.stringMatching(/^OnDemandLaunchTemplate/), 'LatestVersionNumber'] },
    });
  });

  it('moves every EC2 environment to the newest AMI Batch supports at each infrastructure update', () => {
    for (const name of ['OnDemand', 'Spot', 'Gpu', 'Neuron']) expect(ce(name).UpdateToLatestImageVersion).toBe(true);
    const stack = newStack();
    new MetaflowComputeEnvironment(stack, 'Pinned', { ...ComputeEnvironmentPresets.onDemand({ updateToLatestImageVersion: false }), vpc: newVpc(stack) });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ UpdateToLatestImageVersion: false }) });
  });

  it('spot: price-capacity-optimized with the bid percentage', () => {
    expect(ce('Spot')).toMatchObject({ Type: 'SPOT', AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED', BidPercentage: 70, MaxvCpus: 512 });
    expect(envs.spot.capabilities).toEqual({ platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 512 });
  });

  it('GPU: only GPU classes on the NVIDIA AMI, no optimal instances, a larger root volume', () => {
    expect(ce('Gpu')).toMatchObject({ InstanceTypes: ['g6', 'p5'], Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }], MaxvCpus: 64 });
    expect(envs.gpu.capabilities.gpu).toBe(true);
    expect(envs.gpu.launchTemplate).toBeDefined();
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 200, Encrypted: true }) })] }),
    });
  });

  it('Neuron: inf2 on the Neuron AMI from SSM', () => {
    expect(ce('Neuron')).toMatchObject({ InstanceTypes: ['inf2'], Ec2Configuration: [{ ImageType: 'ECS_AL2023', ImageIdOverride: { Ref: expect.stringContaining('SsmParameterValue') } }] });
    expect(JSON.stringify(template.toJSON().Parameters)).toContain(NEURON_AMI_PARAMETER);
    expect(envs.neuron.capabilities).toMatchObject({ neuron: true, gpu: false });
  });

  it('Fargate and Fargate Spot: no instances, no launch template', () => {
    expect(ce('FargateSpot')).toMatchObject({ Type: 'FARGATE_SPOT' });
    expect(ce('Fargate')).toEqual(expect.objectContaining({ Type: 'FARGATE', MaxvCpus: 64 }));
    expect(ce('Fargate').LaunchTemplate).toBeUndefined();
    expect(envs.fargate.capabilities).toEqual({ platform: 'FARGATE', gpu: false, neuron: false, spot: false, maxVcpus: 64 });
    expect(envs.fargateSpot.capabilities.spot).toBe(true);
  });

  it('keeps the instance metadata out of containers\' reach on every EC2 environment by default', () => {
    const hops = Object.values(template.findResources('AWS::EC2::LaunchTemplate')).map((r) => r.Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit);
    expect(hops).toEqual([1, 1, 1, 1]);
  });

  it('creates security groups with no ingress', () => {
    for (const sg of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    }
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

describe('MetaflowComputeEnvironment options', () => {
  it('uses public subnets when the VPC has no private ones, given security groups, root volume and metadata access', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Public', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    new MetaflowComputeEnvironment(stack, 'Ce', { vpc, securityGroups: [sg], rootVolumeSize: Size.gibibytes(50), containerMetadataAccess: true });
    const t = Template.fromStack(stack);
    const lt = Object.values(t.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData;
    expect([lt.BlockDeviceMappings[0].Ebs.VolumeSize, lt.MetadataOptions.HttpPutResponseHopLimit]).toEqual([50, 2]);
    const props = Object.values(t.findResources('AWS::Batch::ComputeEnvironment'))[0].Properties.ComputeResources;
    expect(JSON.stringify(props.Subnets)).toContain('Publicp');
    expect(props.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^Sg/), 'GroupId'] }]);
    t.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });

  it('warns that Fargate jobs in public subnets get no public IP, and only then', () => {
    const stack = newStack();
    const publicOnly = new ec2.Vpc(stack, 'Public', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    new MetaflowComputeEnvironment(stack, 'Exposed', { ...ComputeEnvironmentPresets.fargate(), vpc: publicOnly });
    new MetaflowComputeEnvironment(stack, 'Ec2', { ...ComputeEnvironmentPresets.onDemand(), vpc: publicOnly });
    const privateVpc = newVpc(stack);
    new MetaflowComputeEnvironment(stack, 'Private', { ...ComputeEnvironmentPresets.fargate(), vpc: privateVpc });
    new MetaflowComputeEnvironment(stack, 'ChosenPublic', { ...ComputeEnvironmentPresets.fargateSpot(), vpc: privateVpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no public IP'));
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Exposed', '/Test/ChosenPublic']);
    expect(warnings[0].entry.data).toContain('Fix: give the VPC private subnets with a NAT gateway');
  });

  it('warns that EC2 instances in public subnets that do not (or may not) auto-assign public IPs cannot register', () => {
    const stack = newStack();
    // CDK's own public subnets auto-assign public IPs: no warning
    const created = new ec2.Vpc(stack, 'Created', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    new MetaflowComputeEnvironment(stack, 'Mapped', { ...ComputeEnvironmentPresets.onDemand(), vpc: created });
    const unmapped = new ec2.Vpc(stack, 'Unmapped', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false }] });
    new MetaflowComputeEnvironment(stack, 'NoIp', { ...ComputeEnvironmentPresets.onDemand(), vpc: unmapped });
    const imported = ec2.Vpc.fromVpcAttributes(stack, 'Imported', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], publicSubnetIds: ['subnet-1'] });
    new MetaflowComputeEnvironment(stack, 'Unknown', { ...ComputeEnvironmentPresets.spot(), vpc: imported });
    new MetaflowComputeEnvironment(stack, 'Private', { ...ComputeEnvironmentPresets.onDemand(), vpc: newVpc(stack) });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('need a public IP to reach ECS'));
    expect(warnings.map((w) => w.id)).toEqual(['/Test/NoIp', '/Test/Unknown']);
    expect(warnings[1].entry.data).toContain('public subnets subnet-1');
  });

  it('imports an existing environment with its capabilities', () => {
    const stack = newStack();
    const imported = MetaflowComputeEnvironment.fromComputeEnvironmentArn(stack, 'Imp', 'arn:aws:batch:eu-west-1:123456789012:compute-environment/gpu', {
      platform: 'EC2', gpu: true, neuron: false, spot: false, maxVcpus: 32,
    });
    expect(imported.computeEnvironment.computeEnvironmentArn).toBe('arn:aws:batch:eu-west-1:123456789012:compute-environment/gpu');
    expect(imported.capabilities.gpu).toBe(true);
  });

  it('refuses imported capabilities the compiler could not judge steps by', () => {
    const stack = newStack();
    const problems = problemsOf(() => MetaflowComputeEnvironment.fromComputeEnvironmentArn(stack, 'Imp', 'arn:aws:batch:eu-west-1:123456789012:compute-environment/f', {
      platform: 'fargate' as never, gpu: false, neuron: false, spot: false, maxVcpus: 8,
    }));
    expect(problems).toEqual([expect.objectContaining({ where: 'Test/Imp', field: 'capabilities.platform', value: 'fargate' })]);
  });

  it('refuses a platform given as JavaScript might, instead of building an EC2 environment', () => {
    const stack = newStack();
    const problems = problemsOf(() => new MetaflowComputeEnvironment(stack, 'Ce', { platform: 'fargate' as never, vpc: newVpc(stack) }));
    expect(problems).toEqual([expect.objectContaining({ where: 'Test/Ce', field: 'platform', value: 'fargate' })]);
  });
});

describe('computeSpecOf', () => {
  it('gives accelerated environments 64 max vCPUs whether named by accelerator, class or type', () => {
    expect(computeSpecOf(ComputeEnvironmentPresets.gpu()).maxVcpus).toBe(64);
    expect(computeSpecOf({ instanceClasses: [ec2.InstanceClass.P5] }).maxVcpus).toBe(64);
    expect(computeSpecOf({ instanceTypes: [new ec2.InstanceType('g5.xlarge')] }).maxVcpus).toBe(64);
    expect(computeSpecOf({ instanceTypes: [new ec2.InstanceType('c7i.large')] })).toMatchObject({ maxVcpus: 256, instanceTypes: ['c7i.large'] });
  });
});

describe('MetaflowComputeEnvironment bad input', () => {
  const build = (props: Parameters<typeof ComputeEnvironmentPresets.onDemand>[0] & Record<string, unknown>, preset = ComputeEnvironmentPresets.onDemand) => () => {
    const stack = newStack();
    return new MetaflowComputeEnvironment(stack, 'Ce', { ...preset(props), vpc: newVpc(stack) });
  };

  it('refuses max vCPUs below min, naming the construct path', () => {
    const [p] = problemsOf(build({ minVcpus: 8, maxVcpus: 4 }));
    expect(p).toMatchObject({ where: 'Test/Ce', field: 'maxVcpus', value: 4 });
  });

  it('refuses a bid percentage outside 1-100', () => {
    expect(problemsOf(build({ spotBidPercentage: 150 }, ComputeEnvironmentPresets.spot))[0]).toMatchObject({ field: 'spotBidPercentage', value: 150 });
  });

  it('refuses a spot allocation strategy on demand, before aws-batch throws', () => {
    expect(problemsOf(build({ allocationStrategy: batch.AllocationStrategy.SPOT_CAPACITY_OPTIMIZED }))).toEqual([
      expect.objectContaining({ where: 'Test/Ce', field: 'allocationStrategy', value: 'SPOT_CAPACITY_OPTIMIZED' }),
    ]);
    expect(() => build({ allocationStrategy: batch.AllocationStrategy.SPOT_CAPACITY_OPTIMIZED }, ComputeEnvironmentPresets.spot)()).not.toThrow();
  });

  it('refuses GPU families on Fargate', () => {
    const stack = newStack();
    const [p] = problemsOf(() => new MetaflowComputeEnvironment(stack, 'Ce', { platform: 'FARGATE', instanceClasses: [ec2.InstanceClass.G5], vpc: newVpc(stack) }));
    expect(p.message).toBe('Fargate has no GPU, Inferentia or Trainium capacity');
  });

  it('refuses instance types on Fargate', () => {
    const stack = newStack();
    const [p] = problemsOf(() => new MetaflowComputeEnvironment(stack, 'Ce', { platform: 'FARGATE', instanceTypes: [new ec2.InstanceType('c7i.large')], vpc: newVpc(stack) }));
    expect(p.message).toBe('Fargate environments do not take instance types or classes');
  });

  it('refuses general-purpose instances in the GPU preset', () => {
    const [p] = problemsOf(build({ instanceClasses: [ec2.InstanceClass.G5, ec2.InstanceClass.M6I] }, ComputeEnvironmentPresets.gpu));
    expect(p.value).toEqual(['m6i']);
  });
});
