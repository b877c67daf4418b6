import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { applyPermissionsBoundary, resolvePermissionsBoundary } from '../../../constructs/security/permissions-boundary';
import { newStack, problemsOf } from '../support';

describe('permissions boundary', () => {
  it('applies a boundary given by ARN to every role under the scope', () => {
    const stack = newStack();
    const boundary = resolvePermissionsBoundary(stack, 'B', 'arn:aws:iam::123456789012:policy/Boundary');
    new iam.Role(stack, 'R1', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    new iam.Role(stack, 'R2', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    applyPermissionsBoundary(stack, boundary);
    const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(2);
    for (const r of roles) expect(r.Properties.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/Boundary');
  });

  it('passes a managed policy through', () => {
    const stack = newStack();
    const policy = iam.ManagedPolicy.fromManagedPolicyName(stack, 'P', 'Boundary');
    expect(resolvePermissionsBoundary(stack, 'B', policy)).toBe(policy);
  });

  it('refuses a boundary that is not a policy ARN', () => {
    const [p] = problemsOf(() => resolvePermissionsBoundary(newStack(), 'B', 'arn:aws:iam::123456789012:role/Admin'));
    expect(p).toMatchObject({ where: 'Test', field: 'permissionsBoundary', value: 'arn:aws:iam::123456789012:role/Admin' });
  });
});
