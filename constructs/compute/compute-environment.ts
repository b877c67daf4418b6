import { Annotations, Size, SizeRoundingBehavior, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { type Problem, ProblemCollector, formatProblem } from '../../lib/errors';
import { type PropKindSpec, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { ec2PublicSubnetWarnings, fargatePublicSubnetWarnings } from '../../lib/infrastructure/network-rules';
import { type ComputeSpec, capabilitiesProblems, computeCapabilities, validateComputeSpec } from '../../lib/infrastructure/compute-rules';
import { type Accelerator, DEFAULT_GPU_CLASSES, DEFAULT_NEURON_CLASSES, acceleratorOf } from '../../lib/infrastructure/instance-families';
import type { ComputePlatform, QueueCapabilities } from '../infrastructure/contract';
import { SecureLaunchTemplate } from './launch-template';

/** SSM parameter of the ECS-optimized Amazon Linux 2023 Neuron AMI (Inferentia/Trainium drivers and runtime). */
export const NEURON_AMI_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/neuron/recommended/image_id';

/** How a compute environment is shaped, without its network (the presets in `ComputeEnvironmentPresets` fill this). */
export interface ComputeEnvironmentOptions {
  /**
   * Where jobs run.
   * @default 'EC2'
   */
  readonly platform?: ComputePlatform;
  /**
   * EC2 Spot or Fargate Spot capacity.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * Accelerator of every instance in the environment; selects the NVIDIA or Neuron AMI.
   * @default - inferred from the instance types (none for general-purpose types)
   */
  readonly accelerator?: Accelerator;
  /**
   * Most vCPUs the environment runs at once.
   * @default 256 (64 for GPU and Neuron environments)
   */
  readonly maxVcpus?: number;
  /**
   * vCPUs kept running when idle (EC2 only).
   * @default 0, so the environment scales to zero
   */
  readonly minVcpus?: number;
  /**
   * Instance types (EC2 only).
   * @default - none; instance classes decide
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * Instance classes (EC2 only).
   * @default - current x86 general-purpose classes (m6i, c6i, r6i, c7i); g5/g6 for GPU; inf2 for Neuron
   */
  readonly instanceClasses?: ec2.InstanceClass[];
  /**
   * How Batch picks instances (EC2 only).
   * @default SPOT_PRICE_CAPACITY_OPTIMIZED for spot, BEST_FIT_PROGRESSIVE on demand
   */
  readonly allocationStrategy?: batch.AllocationStrategy;
  /**
   * Highest spot price as a percentage of the on-demand price, 1-100 (EC2 spot only).
   * @default - up to the on-demand price
   */
  readonly spotBidPercentage?: number;
  /**
   * Encrypted root volume size of each instance (EC2 only).
   * @default Size.gibibytes(100) (200 for GPU and Neuron environments: their images are large)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Machine images, replacing the AMI chosen from the accelerator (EC2 only).
   * @default ECS_AL2023, ECS_AL2023_NVIDIA for GPU, the ECS AL2023 Neuron AMI for Neuron
   */
  readonly images?: batch.EcsMachineImage[];
  /**
   * Move instances to the newest AMI Batch supports whenever the environment gets an infrastructure update (EC2
   * only; an AMI of your own in `images` is kept). Batch never upgrades an environment's AMI by itself, so without
   * this its instances keep the AMI of the day it was created.
   * @default true
   */
  readonly updateToLatestImageVersion?: boolean;
  /**
   * Let job containers reach the instance metadata service (EC2 only); see `SecureLaunchTemplateProps`.
   * Off, containers cannot take the instance role's credentials.
   * @default false
   */
  readonly containerMetadataAccess?: boolean;
}

export interface MetaflowComputeEnvironmentProps extends ComputeEnvironmentOptions {
  /** VPC the instances or Fargate tasks run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the VPC.
   * @default - the VPC's private subnets with egress when it has any, else its public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups.
   * @default - a new group with no ingress and all egress
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Instance role of EC2 instances.
   * @default - a role with the AWS managed AmazonEC2ContainerServiceforEC2Role policy (created by aws-batch)
   */
  readonly instanceRole?: iam.IRole;
}

/** A Batch compute environment and what it can give a job. */
export interface IMetaflowComputeEnvironment extends IConstruct {
  readonly computeEnvironment: batch.IComputeEnvironment;
  readonly capabilities: QueueCapabilities;
}

/**
 * One AWS Batch compute environment (EC2 on demand, EC2 spot, GPU, Neuron, Fargate or Fargate Spot),
 * scaling to zero when idle, with instances behind an IMDSv2-only launch template that job containers cannot reach,
 * and no inbound network access.
 */
export class MetaflowComputeEnvironment extends Construct implements IMetaflowComputeEnvironment {
  /** An environment created elsewhere; its capabilities are what the flow compiler checks steps against. */
  static fromComputeEnvironmentArn(scope: Construct, id: string, arn: string, capabilities: QueueCapabilities): IMetaflowComputeEnvironment {
    const imported = new Construct(scope, id);
    const problems = new ProblemCollector();
    problems.addAll(capabilitiesProblems(imported.node.path, 'capabilities', capabilities));
    problems.throwIfAny();
    const computeEnvironment =
      capabilities.platform === 'FARGATE'
        ? batch.FargateComputeEnvironment.fromFargateComputeEnvironmentArn(imported, 'Resource', arn)
        : batch.ManagedEc2EcsComputeEnvironment.fromManagedEc2EcsComputeEnvironmentArn(imported, 'Resource', arn);
    return Object.assign(imported, { computeEnvironment, capabilities });
  }

  readonly computeEnvironment: batch.IManagedComputeEnvironment;
  readonly capabilities: QueueCapabilities;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** The launch template of an EC2 environment. */
  readonly launchTemplate?: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: MetaflowComputeEnvironmentProps) {
    super(scope, id);
    const problems = new ProblemCollector();
    problems.addAll(propKindProblems(this.node.path, props, { ...COMPUTE_OPTION_KINDS, vpc: { kind: 'construct', required: true, fix: VPC_FIX } }));
    problems.throwIfAny();
    const spec = computeSpecOf(props);
    problems.addAll(validateComputeSpec(this.node.path, spec));
    problems.throwIfAny();
    this.capabilities = computeCapabilities(spec);

    const vpcSubnets = props.vpcSubnets ?? defaultSubnets(props.vpc);
    this.securityGroups = props.securityGroups ?? [noIngressSecurityGroup(this, 'SecurityGroup', props.vpc)];

    if (spec.platform === 'FARGATE') {
      const publicIds = new Set(props.vpc.publicSubnets.map((s) => s.subnetId));
      for (const warning of fargatePublicSubnetWarnings(this.node.path, { selected: props.vpc.selectSubnets(vpcSubnets).subnetIds, publicIds })) {
        Annotations.of(this).addWarningV2('metaflow-cdk:fargatePublicSubnets', formatProblem(warning));
      }
      this.computeEnvironment = new batch.FargateComputeEnvironment(this, 'Resource', {
        vpc: props.vpc,
        vpcSubnets,
        securityGroups: this.securityGroups,
        maxvCpus: spec.maxVcpus,
        spot: spec.spot,
      });
      return;
    }

    const publicIds = new Set(props.vpc.publicSubnets.map((s) => s.subnetId));
    const subnetFacts = props.vpc.selectSubnets(vpcSubnets).subnets.map((subnet) => {
      const cfn = subnet.node.defaultChild;
      return { id: subnet.subnetId, isPublic: publicIds.has(subnet.subnetId), mapsPublicIp: cfn instanceof ec2.CfnSubnet ? cfn.mapPublicIpOnLaunch === true : undefined };
    });
    for (const warning of ec2PublicSubnetWarnings(this.node.path, subnetFacts)) {
      Annotations.of(this).addWarningV2('metaflow-cdk:ec2PublicSubnets', formatProblem(warning));
    }

    const accelerator = this.capabilities.gpu ? 'GPU' : this.capabilities.neuron ? 'NEURON' : undefined;
    this.launchTemplate = new SecureLaunchTemplate(this, 'LaunchTemplate', {
      rootVolumeSize: props.rootVolumeSize ?? (accelerator ? Size.gibibytes(200) : Size.gibibytes(100)),
      containerMetadataAccess: props.containerMetadataAccess,
    }).launchTemplate;
    const explicitTypes = (props.instanceTypes?.length ?? 0) + (props.instanceClasses?.length ?? 0) > 0;
    this.computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets,
      securityGroups: this.securityGroups,
      maxvCpus: spec.maxVcpus,
      minvCpus: spec.minVcpus,
      spot: spec.spot,
      spotBidPercentage: props.spotBidPercentage,
      allocationStrategy: props.allocationStrategy ?? (spec.spot ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE),
      instanceTypes: props.instanceTypes,
      instanceClasses: explicitTypes ? props.instanceClasses : defaultClasses(accelerator),
      // Without this Batch adds `optimal` (general-purpose x86) next to any GPU or Neuron classes.
      useOptimalInstanceClasses: false,
      images: props.images ?? defaultImages(accelerator),
      updateToLatestImageVersion: props.updateToLatestImageVersion ?? true,
      launchTemplate: this.launchTemplate,
      instanceRole: props.instanceRole,
    });
    // Pin the template version, so a changed launch template updates the environment instead of being ignored
    // until Batch next resolves `$Default`.
    (this.computeEnvironment.node.defaultChild as batch.CfnComputeEnvironment).addPropertyOverride(
      'ComputeResources.LaunchTemplate.Version',
      this.launchTemplate.latestVersionNumber,
    );
    if (!props.instanceRole) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        reason: 'The ECS agent on Batch instances needs this AWS-maintained policy; AWS updates it as the agent changes.',
      });
    }
  }
}

const VPC_FIX = 'pass an ec2.IVpc: the infrastructure\'s vpc, or one imported with ec2.Vpc.fromLookup(this, "Vpc", { vpcId })';

const COMPUTE_OPTION_KINDS: Readonly<Record<keyof MetaflowComputeEnvironmentProps, PropKindSpec>> = {
  platform: 'string',
  spot: 'boolean',
  accelerator: 'string',
  maxVcpus: 'number',
  minVcpus: 'number',
  instanceTypes: { kind: 'object list', fix: 'write e.g. [new ec2.InstanceType("m7i.xlarge")], or instance classes as instanceClasses: ["m7i"]' },
  instanceClasses: 'string list',
  allocationStrategy: 'string',
  spotBidPercentage: 'number',
  rootVolumeSize: 'Size',
  images: 'object list',
  updateToLatestImageVersion: 'boolean',
  containerMetadataAccess: 'boolean',
  vpc: { kind: 'construct', fix: VPC_FIX },
  vpcSubnets: 'object',
  securityGroups: 'construct list',
  instanceRole: 'construct',
};

/** Options of the wrong JavaScript kind, judged before anything reads them. */
export function computeOptionKindProblems(where: string, options: ComputeEnvironmentOptions): Problem[] {
  return propKindProblems(where, options, COMPUTE_OPTION_KINDS);
}

/** The plain spec the validation rules judge. */
export function computeSpecOf(props: ComputeEnvironmentOptions): ComputeSpec {
  const instanceTypes = [...(props.instanceTypes ?? []).map((t) => t.toString()), ...(props.instanceClasses ?? []).map(String)];
  // Types count as much as classes: `g5.xlarge` makes a GPU environment as surely as `g5` does.
  const accelerated = props.accelerator !== undefined || instanceTypes.some((t) => acceleratorOf(t) !== undefined);
  return {
    platform: props.platform ?? 'EC2',
    spot: props.spot ?? false,
    accelerator: props.accelerator,
    minVcpus: props.minVcpus ?? 0,
    maxVcpus: props.maxVcpus ?? (accelerated ? 64 : 256),
    spotBidPercentage: props.spotBidPercentage,
    ...(props.allocationStrategy !== undefined ? { allocationStrategy: props.allocationStrategy } : {}),
    instanceTypes,
    ...(props.rootVolumeSize !== undefined ? { rootVolumeGiB: props.rootVolumeSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) } : {}),
    ...(props.images !== undefined ? { images: props.images.map((image) => ({ imageType: image.imageType, customAmi: image.image !== undefined })) } : {}),
  };
}

/** A security group for Batch instances and Fargate tasks: no ingress (nothing connects to a job), all egress. */
export function noIngressSecurityGroup(scope: Construct, id: string, vpc: ec2.IVpc): ec2.SecurityGroup {
  return new ec2.SecurityGroup(scope, id, { vpc, allowAllOutbound: true, description: `Metaflow Batch jobs of ${scope.node.path}: no ingress` });
}

function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return vpc.privateSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : { subnetType: ec2.SubnetType.PUBLIC };
}

function defaultClasses(accelerator: Accelerator | undefined): ec2.InstanceClass[] {
  if (accelerator === 'GPU') return DEFAULT_GPU_CLASSES.map((c) => c as ec2.InstanceClass);
  if (accelerator === 'NEURON') return DEFAULT_NEURON_CLASSES.map((c) => c as ec2.InstanceClass);
  // Batch's `default_x86_64` (m6i, c6i, r6i, c7i), given as a class: aws-batch's own `defaultInstanceClasses` fails its
  // validation when no other class is given.
  return [batch.DefaultInstanceClass.X86_64 as string as ec2.InstanceClass];
}

function defaultImages(accelerator: Accelerator | undefined): batch.EcsMachineImage[] {
  if (accelerator === 'GPU') return [{ imageType: batch.EcsMachineImageType.ECS_AL2023_NVIDIA }];
  if (accelerator === 'NEURON') {
    return [{ imageType: batch.EcsMachineImageType.ECS_AL2023, image: ec2.MachineImage.fromSsmParameter(NEURON_AMI_PARAMETER) }];
  }
  return [{ imageType: batch.EcsMachineImageType.ECS_AL2023 }];
}
