import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METADATA_MIGRATION_COMMAND } from '../../lib/infrastructure/metadata-service';
import { lambdaBundleDirectory, METADATA_MIGRATION_BUNDLE } from '../flow/coordination-bundle';
import { acknowledgeMigrationFunction } from './acknowledgements';
import { withWritableTmp } from './writable-tmp';
import { ecsTaskRoles } from '../security/trust';

/** Name of the migration container; the custom resource reads its exit code. */
export const MIGRATION_CONTAINER = 'Migrate';
export const MIGRATION_RESOURCE_TYPE = 'Custom::MetaflowMetadataMigration';

export interface MetadataMigrationProps {
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  readonly subnets: ec2.SelectedSubnets;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logGroup: logs.ILogGroup;
  readonly logRetention: logs.RetentionDays;
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * The schema migration of one deploy: a one-shot Fargate task (`run_goose.py`: every pending migration, in order) and
 * a custom resource that starts it and succeeds only on exit code 0. Its properties carry the task definition
 * revision, so each deploy that changes the service's image or settings migrates again before the service updates.
 */
export class MetadataMigration extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly function: lambda.Function;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MetadataMigrationProps) {
    super(scope, id);
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      ...ecsTaskRoles(this, 'Metaflow metadata service schema migration'),
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const container = this.taskDefinition.addContainer(MIGRATION_CONTAINER, {
      image: props.image,
      command: [...METADATA_MIGRATION_COMMAND],
      environment: props.environment,
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'migration', logGroup: props.logGroup }),
      essential: true,
      memoryLimitMiB: 512,
      readonlyRootFilesystem: true,
    });
    withWritableTmp(this.taskDefinition, container);

    const logGroup = new logs.LogGroup(this, 'FunctionLogs', { retention: props.logRetention });
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `Runs the Metaflow metadata schema migration of ${scope.node.path}`,
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    const streams = `${logGroup.logGroupArn}:log-stream:*`;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn, streams] }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [this.taskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
    }));
    const tasks = Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [tasks] }));
    const passRoles = [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn];
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: passRoles, conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }));

    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(lambdaBundleDirectory(METADATA_MIGRATION_BUNDLE)),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_LATEST,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(15),
      description: `Runs the Metaflow metadata schema migration task and waits for its exit code (${scope.node.path})`,
      role,
      logGroup,
    });
    acknowledgeMigrationFunction(this, { logGroup, role, streams, tasks });

    this.resource = new CustomResource(this, 'Run', {
      serviceToken: this.function.functionArn,
      resourceType: MIGRATION_RESOURCE_TYPE,
      properties: {
        Cluster: props.cluster.clusterArn,
        TaskDefinition: this.taskDefinition.taskDefinitionArn,
        ContainerName: MIGRATION_CONTAINER,
        Subnets: props.subnets.subnetIds,
        SecurityGroups: [props.securityGroup.securityGroupId],
        LogGroup: props.logGroup.logGroupName,
      },
    });
  }
}
