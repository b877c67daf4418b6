import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { ProblemCollector } from '../../lib/errors';
import { validatePermissionsBoundaryArn } from '../../lib/infrastructure/security-rules';

/** A managed policy or its ARN. */
export type PermissionsBoundaryInput = iam.IManagedPolicy | string;

/** Resolves the boundary (refusing a string that is not a policy ARN) without applying it. */
export function resolvePermissionsBoundary(scope: Construct, id: string, boundary: PermissionsBoundaryInput): iam.IManagedPolicy {
  if (typeof boundary !== 'string') return boundary;
  const problems = new ProblemCollector();
  problems.addAll(validatePermissionsBoundaryArn(scope.node.path, boundary));
  problems.throwIfAny();
  return iam.ManagedPolicy.fromManagedPolicyArn(scope, id, boundary);
}

/**
 * Applies the boundary to every role and user created under `scope`, including those created by aws-cdk-lib
 * constructs (instance roles of compute environments, custom resources). Stack-level singletons that aws-cdk-lib adds
 * on a construct's behalf (custom resource providers) are outside it: pass them as their own scope.
 */
export function applyPermissionsBoundary(scope: IConstruct, boundary: iam.IManagedPolicy): void {
  iam.PermissionsBoundary.of(scope).apply(boundary);
}
