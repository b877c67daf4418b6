import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MetaflowExecutionRole } from '../../../constructs/security/execution-role';
import { newStack, statementsOfRole } from '../support';

describe('MetaflowExecutionRole', () => {
  it('pulls images, writes job logs and reads injected secrets, trusted by ECS tasks only', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'Secret');
    new MetaflowExecutionRole(stack, 'Exec', { secrets: [secret] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Effect: 'Allow' }] } });
    const statements = statementsOfRole(t.toJSON() as never, 'Exec');
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }));
    const pull = statements.find((s) => s.Sid === 'EcrPull');
    expect(JSON.stringify(pull.Resource)).toContain(':ecr:eu-west-1:123456789012:repository/*');
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
    expect(t.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: [] } })).toEqual({});
  });

  it('narrows pulls to the given repositories', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'flows');
    new MetaflowExecutionRole(stack, 'Exec', { repositories: [repo] });
    const pull = statementsOfRole(Template.fromStack(stack).toJSON() as never, 'Exec').find((s) => s.Sid === 'EcrPull');
    expect(JSON.stringify(pull.Resource)).toContain('repository/flows');
    expect(JSON.stringify(pull.Resource)).not.toContain('repository/*');
  });

  it('grants no pull for no repositories (public images only), instead of a statement without resources', () => {
    const stack = newStack();
    new MetaflowExecutionRole(stack, 'Exec', { repositories: [] });
    const sids = statementsOfRole(Template.fromStack(stack).toJSON() as never, 'Exec').map((s) => s.Sid);
    expect(sids).toContain('EcrLogin');
    expect(sids).not.toContain('EcrPull');
  });

  it('adds its grants to a brought role instead of creating one', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Mine', 'arn:aws:iam::123456789012:role/exec');
    expect(new MetaflowExecutionRole(stack, 'Exec', { role }).role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: ['exec'] });
  });
});
