import { InstanceClass, InstanceSize } from 'aws-cdk-lib/aws-ec2';
import * as EC2_INSTANCE_TYPES from './ec2-instance-types.json';
import { instanceFamily } from './instance-families';

/**
 * Every EC2 instance type EC2's API model knows (`InstanceType` of botocore 1.29's ec2 service model, regenerated with
 * `python3 -c "import json,botocore.session as s; print(json.dumps(sorted(s.get_session().get_service_model('ec2').shape_for('InstanceType').enum)))"`),
 * and, for families that list predates, aws-cdk-lib's instance classes and sizes.
 */
const KNOWN_TYPES: ReadonlySet<string> = new Set(((EC2_INSTANCE_TYPES as { default?: string[] }).default ?? (EC2_INSTANCE_TYPES as unknown as string[])));
const FAMILIES_WITH_FULL_LIST: ReadonlySet<string> = new Set([...KNOWN_TYPES].map(instanceFamily));
/** CDK's instance class enum holds long aliases (`standard5`) beside the EC2 names (`m5`); keep the EC2 names. */
const CDK_FAMILIES: ReadonlySet<string> = new Set(Object.values(InstanceClass).filter((c) => /^([a-z]{1,4}\d|u-)/.test(c)));
const CDK_SIZES: ReadonlySet<string> = new Set(Object.values(InstanceSize));
/** Batch's own instance type keywords. */
export const BATCH_INSTANCE_KEYWORDS: readonly string[] = ['optimal', 'default_x86_64', 'default_arm64'];

export function isKnownInstanceFamily(family: string): boolean {
  return FAMILIES_WITH_FULL_LIST.has(family) || CDK_FAMILIES.has(family);
}

/** Whether AWS Batch could launch this instance type or family (`m5.large`, `m5`, `optimal`). */
export function isKnownInstanceType(typeOrClass: string): boolean {
  const value = typeOrClass.toLowerCase();
  if (BATCH_INSTANCE_KEYWORDS.includes(value)) return true;
  const dot = value.indexOf('.');
  if (dot < 0) return isKnownInstanceFamily(value);
  const family = value.slice(0, dot);
  if (FAMILIES_WITH_FULL_LIST.has(family)) return KNOWN_TYPES.has(value);
  return CDK_FAMILIES.has(family) && CDK_SIZES.has(value.slice(dot + 1));
}

/** Sizes of a family the lists know, for a fix that names real choices. */
export function knownSizesOf(family: string): string[] {
  return [...KNOWN_TYPES].filter((t) => instanceFamily(t) === family).map((t) => t.slice(t.indexOf('.') + 1));
}
