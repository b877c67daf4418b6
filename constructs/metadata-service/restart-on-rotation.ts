import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../security/acknowledgements';
import { applyPermissionsBoundary } from '../security/permissions-boundary';
import { LOG_DELIVERY_ACTIONS, XRAY_ACTIONS } from '../security/state-machine-role';
import { acknowledgeServiceLogGroup } from './acknowledgements';
import { eventsPrincipal, statesPrincipal } from '../security/trust';

export interface RestartOnSecretRotationProps {
  /** The database secret the service's tasks get as ECS secrets. */
  readonly secret: secretsmanager.ISecret;
  readonly service: ecs.FargateService;
  readonly logRetention: logs.RetentionDays;
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * ECS resolves a task's secrets once, when the task starts, so after a rotation the running tasks hold the old
 * password: their next database connection fails (Aurora's auto-pause closes every connection). When the secret's
 * AWSCURRENT label moves (a rotation, or a new value), Secrets Manager's `Secret Label Updated` event starts an Express
 * state machine that forces a new deployment of the service: new tasks start with the new password while the old
 * ones keep serving until they are replaced.
 */
export class RestartOnSecretRotation extends Construct {
  readonly rule: events.Rule;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RestartOnSecretRotationProps) {
    super(scope, id);
    const restart = new tasks.CallAwsService(this, 'ForceNewDeployment', {
      service: 'ecs',
      action: 'updateService',
      parameters: { Cluster: props.service.cluster.clusterArn, Service: props.service.serviceName, ForceNewDeployment: true },
      iamResources: [props.service.serviceArn],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    acknowledgeServiceLogGroup(logGroup);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(restart),
      stateMachineType: sfn.StateMachineType.EXPRESS,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
      tracingEnabled: true,
      comment: 'Forces a new deployment of the Metaflow metadata service when its database password rotates',
      role: new iam.Role(this, 'StateMachineRole', { assumedBy: statesPrincipal(this), description: 'Restarts the Metaflow metadata service after a password rotation' }),
    });
    acknowledgeWildcardResource(this.stateMachine.role, '*', [...XRAY_ACTIONS, ...LOG_DELIVERY_ACTIONS], 'X-Ray and CloudWatch Logs delivery have no resource-level permissions');
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Restart the Metaflow metadata service when its database password changes: ECS reads secrets at task start',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        resources: [props.secret.secretArn],
        detail: { labelUpdated: ['AWSCURRENT'] },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, { role: new iam.Role(this, 'RuleRole', { assumedBy: eventsPrincipal(this), description: 'Starts the metadata service restart' }) })],
    });
    // the state machine's role and the rule's role to start it
    if (props.permissionsBoundary) applyPermissionsBoundary(this, props.permissionsBoundary);
  }
}
