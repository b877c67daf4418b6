import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { type Problem, isValidationError } from '../../lib/errors';

/** A stack with a concrete environment (so ARNs render) on its own App without validation plugins. */
export function newStack(id = 'Test'): Stack {
  return new Stack(new App(), id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

export function newVpc(stack: Stack, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(stack, id, { maxAzs: 2, natGateways: 1 });
}

/** Runs `build`, expects a ValidationError and returns its problems. */
export function problemsOf(build: () => unknown): readonly Problem[] {
  try {
    build();
  } catch (error) {
    if (isValidationError(error)) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

/** All IAM policy statements attached to the role with this logical id prefix, from a template JSON. */
export function statementsOfRole(template: { Resources: Record<string, { Type: string; Properties: any }> }, roleLogicalIdPrefix: string): any[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: { Ref: string }) => ref.Ref?.startsWith(roleLogicalIdPrefix)))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}
