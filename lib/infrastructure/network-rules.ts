import type { Problem } from '../errors';
import { problem } from './problems';

/** What the rules can know of a VPC at synth: how many subnets of each kind it has. */
export interface VpcShape {
  /** Subnets with a route out through NAT (`PRIVATE_WITH_EGRESS`). */
  readonly privateWithEgress: number;
  readonly public: number;
  /** Subnets with no route out (`PRIVATE_ISOLATED`). */
  readonly isolated: number;
  /** The caller chose subnets with `vpcSubnets` (which then may be isolated subnets with VPC endpoints). */
  readonly explicitSelection: boolean;
}

/**
 * Jobs pull images from ECR (or another registry) and write to S3 and CloudWatch Logs: a VPC whose subnets have no
 * route out (no NAT, no internet gateway) leaves every job stuck in STARTING. Refused unless the caller selected the
 * subnets, which says the VPC has the endpoints jobs need.
 */
export function vpcEgressProblems(where: string, vpc: VpcShape): Problem[] {
  if (vpc.explicitSelection || vpc.privateWithEgress > 0 || vpc.public > 0) return [];
  return [problem(
    where, 'vpc', `${vpc.isolated} isolated subnet(s), no NAT or public subnet`,
    'no subnet of this VPC has a route out, so Batch instances and Fargate tasks cannot pull images or reach S3 and CloudWatch Logs',
    'give the VPC private subnets with a NAT gateway (SubnetType.PRIVATE_WITH_EGRESS); or, if it has VPC endpoints for ECR (api and dkr), CloudWatch Logs, and an S3 gateway endpoint, select its subnets with vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED }',
  )];
}

/**
 * Fargate jobs get no public IP (their job definitions set `assignPublicIp: DISABLED`), so in public subnets they reach
 * ECR, S3 and CloudWatch Logs only through VPC endpoints. A warning: the VPC may have them, which synth cannot see.
 */
export function fargatePublicSubnetWarnings(where: string, subnets: { readonly selected: readonly string[]; readonly publicIds: ReadonlySet<string> }): Problem[] {
  if (subnets.selected.length === 0 || !subnets.selected.every((id) => subnets.publicIds.has(id))) return [];
  return [problem(
    where, 'vpcSubnets', 'public subnets',
    'Fargate jobs here get no public IP, so without VPC endpoints they cannot pull images or write logs (CannotPullContainerError)',
    'give the VPC private subnets with a NAT gateway (SubnetType.PRIVATE_WITH_EGRESS, chosen by default), or add interface endpoints for ECR (api and dkr) and CloudWatch Logs and an S3 gateway endpoint; acknowledge this warning then',
  )];
}

/**
 * Batch instances in public subnets reach ECS, ECR and CloudWatch Logs only with a public IP, which they get only
 * where the subnet auto-assigns one (`MapPublicIpOnLaunch`): without it they never register and jobs wait in RUNNABLE.
 * Subnets CDK creates say whether they do; imported ones cannot be seen at synth, so they are warned of too.
 */
export function ec2PublicSubnetWarnings(where: string, subnets: readonly { readonly id: string; readonly isPublic: boolean; readonly mapsPublicIp?: boolean }[]): Problem[] {
  const selected = subnets.filter((s) => s.isPublic);
  if (selected.length === 0 || selected.length < subnets.length) return [];
  const unsure = selected.filter((s) => s.mapsPublicIp !== true);
  if (unsure.length === 0) return [];
  return [problem(
    where, 'vpcSubnets', `public subnets ${unsure.map((s) => s.id).join(', ')}`,
    'Batch instances in public subnets need a public IP to reach ECS, ECR and CloudWatch Logs, and get one only where the subnet auto-assigns public IPv4 addresses; these do not, or synth cannot tell (an imported VPC)',
    'use private subnets with a NAT gateway (SubnetType.PRIVATE_WITH_EGRESS, chosen when the VPC has them), or turn on auto-assign public IPv4 for these subnets; acknowledge this warning then',
  )];
}

/** The options of the VPC `MetaflowInfrastructure` creates, as the rules see them. */
export interface NetworkOptions {
  readonly maxAzs?: number;
  readonly natGateways?: number;
}

/**
 * The created VPC's jobs reach ECR, ECS and CloudWatch Logs through a NAT gateway (it has gateway endpoints for S3 and
 * DynamoDB only): no NAT gateway, or no availability zone, leaves every job stuck before it starts.
 */
export function networkProblems(where: string, network: NetworkOptions): Problem[] {
  const found: Problem[] = [];
  if (network.maxAzs !== undefined && (!Number.isInteger(network.maxAzs) || network.maxAzs < 1)) {
    found.push(problem(where, 'maxAzs', network.maxAzs, 'the VPC needs at least one availability zone', 'set maxAzs to 2 or more (the default is 2)'));
  }
  if (network.natGateways !== undefined && (!Number.isInteger(network.natGateways) || network.natGateways < 1)) {
    found.push(problem(
      where, 'natGateways', network.natGateways,
      'without a NAT gateway the jobs\' subnets have no route out, so Batch instances and Fargate tasks cannot pull images or reach ECS and CloudWatch Logs',
      'keep at least 1 NAT gateway; or pass your own vpc with the interface endpoints jobs need and select its subnets with vpcSubnets',
    ));
  }
  return found;
}
