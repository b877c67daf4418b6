import { Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { acknowledgeWildcardResource } from './acknowledgements';
import { grantJobLogStreams } from './job-role';
import { grantSecretsRead } from './secrets';
import { ecsTasksPrincipal } from './trust';

export interface MetaflowExecutionRoleProps {
  /**
   * ECR repositories jobs pull images from; `[]` for none (images from public registries only).
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
   * @default - a new role assumable by this account's ECS tasks
   */
  readonly role?: iam.IRole;
  /**
   * Permissions boundary of the new role.
   * @default - none, or the one an enclosing `MetaflowInfrastructure` applies
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * What the role is for, in its IAM description.
   * @default 'Metaflow Batch execution role: image pulls, job logs, injected secrets'
   */
  readonly description?: string;
}

const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/**
 * The ECS task execution role (`METAFLOW_ECS_FARGATE_EXECUTION_ROLE`): pulls images, writes the job's log stream and
 * reads secrets injected by the job definition. Without it Metaflow refuses Fargate queues.
 */
export class MetaflowExecutionRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowExecutionRoleProps = {}) {
    super(scope, id);
    const kinds = propKindProblems(this.node.path, props, {
      repositories: 'construct list', secrets: 'construct list', role: 'construct', description: 'string',
      permissionsBoundary: { kind: 'construct', fix: 'import the policy, e.g. iam.ManagedPolicy.fromManagedPolicyArn(this, "Boundary", arn)' },
    });
    if (kinds.length > 0) throw new ValidationError(kinds);
    const stack = Stack.of(this);
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: ecsTasksPrincipal(this),
      description: props.description ?? 'Metaflow Batch execution role: image pulls, job logs, injected secrets',
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    const repositoryArns = props.repositories?.map((r) => r.repositoryArn) ?? [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })];
    // `repositories: []` (images from public registries only) grants no pull; a statement without resources is invalid
    if (repositoryArns.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'EcrPull',
          actions: ECR_PULL_ACTIONS,
          resources: repositoryArns,
        }),
      );
    }
    grantJobLogStreams(this, this.role);
    grantSecretsRead(this.role, props.secrets ?? []);
    acknowledgeWildcardResource(this, '*', ['ecr:GetAuthorizationToken'], 'ecr:GetAuthorizationToken has no resource-level permissions.');
    if (!props.repositories) {
      acknowledgeWildcardResource(this, repositoryArns[0], ECR_PULL_ACTIONS, 'Jobs may use any image of the account\'s ECR registry by default; pass ecrRepositories to narrow it.');
    }
  }
}
