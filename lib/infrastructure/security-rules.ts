import type { Problem } from '../errors';
import { isToken, problem } from './problems';

/** `arn:<partition>:iam::<account or aws>:policy/<path/name>` */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;

export function validatePermissionsBoundaryArn(where: string, arn: string): Problem[] {
  if (isToken(arn) || POLICY_ARN.test(arn)) return [];
  return [problem(
    where,
    'permissionsBoundary',
    arn,
    'not an IAM managed policy ARN',
    'pass the ARN of a managed policy, e.g. "arn:aws:iam::123456789012:policy/MyBoundary", or an iam.IManagedPolicy',
  )];
}

/**
 * Metaflow names state machines `<prefix>_<flow>` (at most 80 characters) from `[A-Za-z0-9_.-]`, and IAM policies are
 * scoped to `stateMachine:<prefix>*`; a prefix of 40 characters leaves room for flow names.
 */
const STATE_MACHINE_PREFIX = /^[A-Za-z0-9_.-]{1,40}$/;

export function validateStateMachinePrefix(where: string, prefix: string): Problem[] {
  if (typeof prefix === 'string' && (isToken(prefix) || STATE_MACHINE_PREFIX.test(prefix))) return [];
  return [problem(
    where,
    'stateMachinePrefix',
    prefix,
    'a state machine prefix is 1-40 letters, digits, underscores, hyphens or dots',
    'choose a short prefix such as "metaflow"; state machines are named <prefix>_<flow>',
  )];
}

/** Turns a stack or construct name into a valid default state machine prefix. */
export function defaultStateMachinePrefix(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40);
  return cleaned.length > 0 ? cleaned : 'metaflow';
}
