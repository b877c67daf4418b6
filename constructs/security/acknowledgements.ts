import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference, guardFinding, wildcardActionFinding, wildcardResourceFinding } from '../../lib/infrastructure/nag-findings';

/**
 * Construct metadata that records which actions an `AwsSolutions-IAM5[Resource::…]` acknowledgement covers. cdk-nag's
 * finding id names the resource only, so `iam:PassRole` added later on the same wildcard would pass unnoticed; the
 * `metaflow-cdk` validation plugin (lib/stacks/wildcard-grants.ts) fails synth on any action outside this list.
 */
export const WILDCARD_GRANT_METADATA = 'metaflow-cdk:wildcard-grant';

export interface WildcardGrantRecord {
  /** The cdk-nag finding id, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly finding: string;
  /** Actions the acknowledgement covers; a trailing `*` matches a prefix (`s3:GetObject*`). */
  readonly actions: readonly string[];
}

/**
 * Acknowledges `AwsSolutions-IAM5` for one wildcard resource ARN (may hold tokens) on `scope` and below, for the given
 * actions only. Resolves the ARN now, so call it after the resources it references exist.
 */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, actions: readonly string[], reason: string): void {
  const finding = wildcardResourceFinding(flattenCfnReference(Stack.of(scope).resolve(arn)));
  Validations.of(scope).acknowledge({ id: finding, reason: `${reason} [actions: ${actions.join(', ')}]` });
  const record: WildcardGrantRecord = { finding, actions: [...actions] };
  scope.node.addMetadata(WILDCARD_GRANT_METADATA, record);
}

export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: wildcardActionFinding(action), reason });
}

/** Acknowledges a Control Tower proactive control (cfn-guard rule name, e.g. `s3_bucket_object_lock_enabled_check`). */
export function acknowledgeGuardRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: guardFinding(rule), reason });
}
