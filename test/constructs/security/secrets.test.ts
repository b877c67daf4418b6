import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { grantSecretsRead } from '../../../constructs/security/secrets';
import { newStack, statementsOfRole } from '../support';

describe('grantSecretsRead', () => {
  it('grants GetSecretValue on each secret and decrypt on an imported secret key', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abc');
    const imported = secretsmanager.Secret.fromSecretAttributes(stack, 'Imp', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      encryptionKey: key,
    });
    const grants = grantSecretsRead(role, [new secretsmanager.Secret(stack, 'Own'), imported]);
    expect(grants).toHaveLength(2);
    const statements = statementsOfRole(Template.fromStack(stack).toJSON() as never, 'Role');
    const reads = statements.filter((s) => JSON.stringify(s.Action).includes('GetSecretValue'));
    expect(reads.map((s) => s.Resource)).toContainEqual('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    }));
  });

  it('grants nothing without secrets', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(grantSecretsRead(role, [])).toEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });
});
