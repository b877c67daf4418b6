import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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
}

/**
 * A VPC for Batch: public subnets for the NAT gateway only, private subnets with egress for the jobs, gateway endpoints
 * so datastore and coordination-table traffic stays off the NAT, and flow logs of rejected and accepted traffic.
 */
export class MetaflowNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MetaflowNetworkProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Jobs', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 18 },
      ],
      restrictDefaultSecurityGroup: false,
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
  }
}
