import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * `ecs-tasks.amazonaws.com` from this account's ECS tasks only (`aws:SourceAccount`, `aws:SourceArn` of ECS in this
 * region), the confused-deputy guard ECS documents for task and task execution roles. Batch jobs run as ECS tasks.
 */
export function ecsTasksPrincipal(scope: Construct): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
    },
  });
}

/** EventBridge from this account only (a rule's role to start a target). */
export function eventsPrincipal(scope: Construct): iam.IPrincipal {
  return new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } });
}

/**
 * The task and execution roles of a Fargate task definition, trusted by this account's ECS tasks only (CDK's own
 * trust `ecs-tasks.amazonaws.com` from anywhere).
 */
export function ecsTaskRoles(scope: Construct, purpose: string): { taskRole: iam.IRole; executionRole: iam.IRole } {
  return {
    taskRole: new iam.Role(scope, 'TaskRole', { assumedBy: ecsTasksPrincipal(scope), description: `${purpose}: task role` }),
    executionRole: new iam.Role(scope, 'TaskExecutionRole', { assumedBy: ecsTasksPrincipal(scope), description: `${purpose}: task execution role` }),
  };
}

/** Step Functions from this account only. */
export function statesPrincipal(scope: Construct): iam.IPrincipal {
  return new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } });
}
