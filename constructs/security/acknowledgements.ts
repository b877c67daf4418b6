import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference, guardFinding, wildcardActionFinding, wildcardResourceFinding } from '../../lib/infrastructure/nag-findings';

/**
 * Acknowledges `AwsSolutions-IAM5` for one wildcard resource ARN (may hold tokens) on `scope` and below.
 * Resolves the ARN now, so call it after the resources it references exist.
 */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  const flattened = flattenCfnReference(Stack.of(scope).resolve(arn));
  Validations.of(scope).acknowledge({ id: wildcardResourceFinding(flattened), reason });
}

export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: wildcardActionFinding(action), reason });
}

/** Acknowledges a Control Tower proactive control (cfn-guard rule name, e.g. `s3_bucket_object_lock_enabled_check`). */
export function acknowledgeGuardRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: guardFinding(rule), reason });
}
