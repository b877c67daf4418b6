import { defaultStateMachinePrefix, validatePermissionsBoundaryArn, validateStateMachinePrefix } from '../../../lib/infrastructure/security-rules';

describe('validatePermissionsBoundaryArn', () => {
  it.each(['arn:aws:iam::123456789012:policy/Boundary', 'arn:aws-us-gov:iam::123456789012:policy/path/to/B', 'arn:aws:iam::aws:policy/PowerUserAccess'])('accepts %p', (arn) => {
    expect(validatePermissionsBoundaryArn('S', arn)).toEqual([]);
  });

  it.each(['Boundary', 'arn:aws:iam::123456789012:role/Boundary', 'arn:aws:s3:::bucket', 'arn:aws:iam::12345:policy/B'])('refuses %p as not a policy ARN', (arn) => {
    const [p] = validatePermissionsBoundaryArn('S/Infra', arn);
    expect(p).toMatchObject({ where: 'S/Infra', field: 'permissionsBoundary', value: arn, message: 'not an IAM managed policy ARN' });
  });
});

describe('state machine prefix', () => {
  it('accepts Metaflow-style prefixes and refuses others', () => {
    expect(validateStateMachinePrefix('S', 'metaflow')).toEqual([]);
    expect(validateStateMachinePrefix('S', 'has space')[0].field).toBe('stateMachinePrefix');
    expect(validateStateMachinePrefix('S', 'x'.repeat(41))).toHaveLength(1);
  });

  it('derives a valid default from a stack name', () => {
    expect(defaultStateMachinePrefix('My Stack/Name')).toBe('My-Stack-Name');
    expect(defaultStateMachinePrefix('')).toBe('metaflow');
    expect(validateStateMachinePrefix('S', defaultStateMachinePrefix('x'.repeat(100)))).toEqual([]);
  });
});
