import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { type Problem, ValidationError } from '../../lib/errors';
import { networkProblems } from '../../lib/infrastructure/network-rules';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { logRetentionProblems } from './log-retention';
import { acknowledgeGuardRule } from '../security/acknowledgements';

export const LOG_ENCRYPTION_REASON =
  'CloudWatch Logs encrypts every log group at rest with service keys; a customer managed key would add a key policy for the logs service without narrowing who reads the logs (IAM does).';

export interface MetaflowNetworkProps {
  /**
   * Availability zones.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * NAT gateways for the private subnets' egress (image pulls, AWS APIs without endpoints).
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Remove all rules of the VPC's default security group (CIS AWS 5.4, Security Hub EC2.2), through aws-ec2's
   * custom resource (one Lambda per stack, run at deploy).
   * @default true
   */
  readonly restrictDefaultSecurityGroup?: boolean;
}

/** Id under which aws-ec2 adds its stack-wide provider that empties default security groups. */
const RESTRICT_DEFAULT_SG_PROVIDER = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

/**
 * A VPC for Batch: public subnets for the NAT gateway only, private subnets with egress for the jobs, gateway endpoints
 * so datastore and coordination-table traffic stays off the NAT, flow logs of rejected and accepted traffic, and a
 * default security group without rules.
 */
export class MetaflowNetwork extends Construct {
  /** The subnet group Batch jobs run in: private, with egress through the NAT gateway. */
  static readonly JOB_SUBNET_GROUP = 'Jobs';

  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  /**
   * aws-ec2's provider (Lambda and role) that empties the default security group. It lives at stack level, outside
   * this construct, so `MetaflowInfrastructure` applies its permissions boundary to it explicitly.
   */
  readonly customResourceProvider?: IConstruct;

  constructor(scope: Construct, id: string, props: MetaflowNetworkProps = {}) {
    super(scope, id);
    const kinds = networkKindProblems(this.node.path, props);
    const problems = kinds.length > 0 ? kinds : networkProblems(this.node.path, props);
    if (problems.length > 0) throw new ValidationError(problems);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: MetaflowNetwork.JOB_SUBNET_GROUP, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 18 },
      ],
      restrictDefaultSecurityGroup: props.restrictDefaultSecurityGroup !== false,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeGuardRule(this.flowLogGroup, 'cloudwatch_log_group_encrypted_check', LOG_ENCRYPTION_REASON);
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup) });
    const restrict = props.restrictDefaultSecurityGroup ?? true;
    this.customResourceProvider = restrict ? Stack.of(this).node.tryFindChild(RESTRICT_DEFAULT_SG_PROVIDER) : undefined;
    if (this.customResourceProvider) {
      acknowledgeGuardRule(this.customResourceProvider, 'lambda_inside_vpc_check',
        'aws-ec2\'s provider that empties the default security group runs once per deploy, calls only EC2 APIs and reads no data; in the VPC it would depend on the network it configures.');
    }
  }
}

/** Options of the wrong JavaScript kind (`restrictDefaultSecurityGroup: 'false'`, `flowLogRetention: '7'`). */
export function networkKindProblems(where: string, props: MetaflowNetworkProps): Problem[] {
  return [
    ...propKindProblems(where, props, { maxAzs: 'number', natGateways: 'number', restrictDefaultSecurityGroup: 'boolean' }),
    ...logRetentionProblems(where, 'flowLogRetention', props.flowLogRetention),
  ];
}
