import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MetaflowJobRole } from '../../../constructs/security/job-role';
import { newStack, statementsOfRole } from '../support';
import { roleFixture } from './_fixture';

describe('MetaflowJobRole', () => {
  let statements: any[];
  let template: Template;
  beforeAll(() => {
    const stack = newStack();
    const { datastore, table } = roleFixture(stack);
    const key = new kms.Key(stack, 'SecretKey');
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
    new MetaflowJobRole(stack, 'JobRole', { datastore, coordinationTable: table, secrets: [secret] });
    template = Template.fromStack(stack);
    statements = statementsOfRole(template.toJSON() as never, 'JobRole');
  });

  it('is assumed by ECS tasks', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } }] },
    });
  });

  it('reads and writes the datastore prefix only, with the key', () => {
    const objects = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('s3:PutObject'));
    expect(JSON.stringify(objects.Resource)).toMatch(/\/metaflow\/\*"\]\]\}$/);
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }));
  });

  it('writes the coordination table items', () => {
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'] }));
  });

  it('reads the named secret and decrypts it with its key', () => {
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: expect.stringMatching(/^Secret/) } }));
    const keyPolicy = Object.values(template.findResources('AWS::KMS::Key')).map((k) => JSON.stringify(k.Properties.KeyPolicy)).join();
    expect(keyPolicy).toContain('kms:Decrypt');
    expect(keyPolicy).toContain('JobRole');
  });

  it('denies presigned requests to the bucket', () => {
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { StringNotEquals: { 's3:authType': 'REST-HEADER' } } }));
  });

  it('writes its own log streams only', () => {
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:/aws/batch/job:*']] },
    }));
  });

  it('grants nothing else and never Action "*"', () => {
    expect(statements.map((s) => [s.Effect, ...[s.Action].flat()].join(' '))).toEqual([
      'Allow s3:ListBucket',
      'Allow s3:GetObject s3:PutObject s3:AbortMultipartUpload',
      'Allow kms:Decrypt kms:Encrypt kms:GenerateDataKey',
      'Allow dynamodb:PutItem dynamodb:GetItem dynamodb:UpdateItem',
      'Allow secretsmanager:GetSecretValue secretsmanager:DescribeSecret',
      'Allow kms:Decrypt',
      'Deny s3:*',
      'Allow logs:CreateLogStream logs:PutLogEvents',
    ]);
    for (const s of statements) expect([s.Action].flat()).not.toContain('*');
  });

  it('adds its grants to a brought role instead of creating one', () => {
    const stack = newStack();
    const { datastore, table } = roleFixture(stack);
    const role = iam.Role.fromRoleArn(stack, 'Mine', 'arn:aws:iam::123456789012:role/mine');
    const job = new MetaflowJobRole(stack, 'JobRole', { datastore, coordinationTable: table, role });
    expect(job.role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: ['mine'] });
  });

  describe('for one flow', () => {
    it("reads the whole datastore and writes only the flow's prefixes: its store, its metaflow.S3 objects, its cards", () => {
      const stack = newStack();
      const { datastore, table } = roleFixture(stack);
      new MetaflowJobRole(stack, 'JobRole', { datastore, coordinationTable: table, flowName: 'TrainFlow' });
      const flowStatements = statementsOfRole(Template.fromStack(stack).toJSON() as never, 'JobRole');
      const keys = (action: string) => flowStatements
        .filter((st) => st.Effect === 'Allow' && [st.Action].flat().includes(action))
        .flatMap((st) => [st.Resource].flat().map((r: unknown) => /\/(metaflow\/[^"]*)"\]\]\}$/.exec(JSON.stringify(r))?.[1]));
      expect(keys('s3:PutObject').sort()).toEqual(['metaflow/TrainFlow/*', 'metaflow/data/TrainFlow/*', 'metaflow/mf.cards/TrainFlow/*']);
      expect(keys('s3:GetObject')).toContain('metaflow/*');
      const listing = flowStatements.filter((st) => st.Action === 's3:ListBucket').map((st) => st.Condition.StringLike['s3:prefix']);
      expect(listing).toContainEqual(['metaflow', 'metaflow/*']);
    });

    it('refuses a flow named "data", whose prefix is every flow\'s metaflow.S3 root', () => {
      const stack = newStack();
      const { datastore, table } = roleFixture(stack);
      expect(() => new MetaflowJobRole(stack, 'JobRole', { datastore, coordinationTable: table, flowName: 'data' })).toThrow(/flowName.*a flow named "data" writes under <sysroot>\/data\/.*rename the flow/s);
    });
  });
});
