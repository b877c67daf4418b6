import { Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './acknowledgements';
import { grantJobLogStreams } from './job-role';
import { grantSecretsRead } from './secrets';

export interface MetaflowExecutionRoleProps {
  /**
   * ECR repositories jobs pull images from.
   * @default - every repository of this account and region
   */
  readonly repositories?: readonly ecr.IRepository[];
  /**
   * Secrets injected into containers through the job definition.
   * @default - none
   */
  readonly secrets?: readonly secretsmanager.ISecret[];
  /**
   * An existing role to use; the grants are added to it.
   * @default - a new role assumable by ECS tasks
   */
  readonly role?: iam.IRole;
}

/**
 * The ECS task execution role (`METAFLOW_ECS_FARGATE_EXECUTION_ROLE`): pulls images, writes the job's log stream and
 * reads secrets injected by the job definition. Without it Metaflow refuses Fargate queues.
 */
export class MetaflowExecutionRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowExecutionRoleProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Metaflow Batch execution role: image pulls, job logs, injected secrets',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    const repositoryArns = props.repositories?.map((r) => r.repositoryArn) ?? [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })];
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EcrPull',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: repositoryArns,
      }),
    );
    grantJobLogStreams(this, this.role);
    grantSecretsRead(this.role, props.secrets ?? []);
    acknowledgeWildcardResource(this, '*', 'ecr:GetAuthorizationToken has no resource-level permissions.');
    if (!props.repositories) {
      acknowledgeWildcardResource(this, repositoryArns[0], 'Jobs may use any image of the account\'s ECR registry by default; pass ecrRepositories to narrow it.');
    }
  }
}
