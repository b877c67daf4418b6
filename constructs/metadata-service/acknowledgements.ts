import { Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct, IConstruct } from 'constructs';
import { LOG_ENCRYPTION_REASON } from '../infrastructure/network';
import { acknowledgeGuardRule, acknowledgeWildcardResource } from '../security/acknowledgements';

/**
 * The findings of cdk-nag (AwsSolutions) and the Control Tower guard rules that the metadata service accepts, each on
 * the one construct it concerns and with the reason it is right here.
 */

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export function acknowledgeMetadataDatabase(database: rds.DatabaseCluster | rds.DatabaseInstance, rotated: boolean): void {
  acknowledge(database, 'AwsSolutions-RDS11',
    'The database accepts connections only from the metadata service and migration security group, in private subnets; another port would hide nothing from a peer that can already reach it.');
  acknowledgeGuardRule(database, 'rds_instance_enhanced_monitoring_enabled_check',
    'CloudWatch metrics (capacity, connections, CPU, storage) cover a metadata database; enhanced monitoring would add an account role with an AWS managed policy and per-second OS metrics nobody reads here.');
  if (!rotated) {
    acknowledge(database, 'AwsSolutions-SMG4', 'Rotation was turned off by the user (database.rotationInterval of 0 days).');
  }
}

export function acknowledgeServiceTaskDefinition(taskDefinition: ecs.TaskDefinition): void {
  acknowledge(taskDefinition, 'AwsSolutions-ECS2',
    'The environment holds the database host, port, name and TLS mode and the listening port, no secret: user and password come from Secrets Manager as ECS secrets.');
  acknowledgeGuardRule(taskDefinition, 'ecs_task_definition_nonroot_user_check',
    "Metaflow's published image installs the service and its migrations under /root (mode 700) and runs them as root: another user cannot read them. The task runs on Fargate (no host access), unprivileged, with a read-only root filesystem.");
}

export function acknowledgeServiceLogGroup(logGroup: logs.ILogGroup): void {
  acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_encrypted_check', LOG_ENCRYPTION_REASON);
}

export function acknowledgeMigrationFunction(scope: Construct, refs: { logGroup: logs.ILogGroup; role: iam.IRole; streams: string; tasks: string }): void {
  acknowledgeGuardRule(refs.logGroup, 'cloudwatch_log_group_encrypted_check', LOG_ENCRYPTION_REASON);
  acknowledgeWildcardResource(refs.role, refs.streams, ['logs:CreateLogStream', 'logs:PutLogEvents'], 'log stream names are chosen by Lambda at run time; the group is this function\'s own');
  acknowledgeWildcardResource(refs.role, refs.tasks, ['ecs:DescribeTasks'], 'task ids are assigned by ECS when the migration starts; the ARN is limited to this service\'s cluster');
  acknowledgeGuardRule(scope, 'lambda_inside_vpc_check',
    'The migration function calls only the ECS API (RunTask, DescribeTasks) and never the database: the migration task it starts runs in the private subnets.');
}

const NLB_LOGS_REASON =
  'A Network Load Balancer writes access logs only for TLS listeners; this internal TCP listener has none to write. VPC flow logs record its connections.';

export function acknowledgeLoadBalancer(loadBalancer: elbv2.NetworkLoadBalancer): void {
  acknowledge(loadBalancer, 'AwsSolutions-ELB2', NLB_LOGS_REASON);
  acknowledgeGuardRule(loadBalancer, 'elbv2_logging_enabled_check', NLB_LOGS_REASON);
}

export function acknowledgeApiGateway(api: apigw.RestApi, headersSecret: secretsmanager.ISecret, accessLogs: logs.ILogGroup): void {
  acknowledgeGuardRule(accessLogs, 'cloudwatch_log_group_encrypted_check', LOG_ENCRYPTION_REASON);
  acknowledge(headersSecret, 'AwsSolutions-SMG4',
    'The secret holds the API Gateway key, resolved into the key at deploy; a new key takes a new secret value and a deploy, which a rotation Lambda cannot do.');
  acknowledge(api, 'AwsSolutions-APIG2', 'Every request is proxied to the metadata service, which validates its own paths and bodies; API Gateway knows no model of them.');
  const stage = api.deploymentStage;
  acknowledge(stage, 'AwsSolutions-APIG3', 'Callers need the API key (and, with allowedSourceCidrs, a listed source address); associate a WAF web ACL with the stage if your organisation requires one.');
  const executionLogs = 'Execution logging needs the account-wide API Gateway CloudWatch role (one per account and region, which a construct must not overwrite); access logs record every request.';
  acknowledge(stage, 'AwsSolutions-APIG6', executionLogs);
  acknowledgeGuardRule(stage, 'api_gw_v1_execution_logging_enabled_check', executionLogs);
  const apiKeyAuth = "Requests are authenticated with the API key (x-api-key), the one scheme Metaflow's client speaks (METAFLOW_SERVICE_AUTH_KEY); it signs no IAM requests and sends no Cognito tokens.";
  for (const method of api.methods) {
    acknowledge(method, 'AwsSolutions-APIG4', apiKeyAuth);
    acknowledge(method, 'AwsSolutions-COG4', apiKeyAuth);
  }
}
