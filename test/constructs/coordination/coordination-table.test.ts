import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { COORDINATION_TABLE_SCHEMA, MetaflowCoordinationTable } from '../../../constructs/coordination/coordination-table';
import { newStack, problemsOf, statementsOfRole } from '../support';

describe('MetaflowCoordinationTable', () => {
  let template: Template;
  beforeAll(() => {
    const stack = newStack();
    const table = new MetaflowCoordinationTable(stack, 'Table');
    table.grantJobAccess(new iam.Role(stack, 'Job', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    table.grantStateMachineRead(new iam.Role(stack, 'Sfn', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }));
    template = Template.fromStack(stack);
  });

  it('has the key schema and TTL Metaflow expects, on demand, encrypted, with PITR, retained', () => {
    expect(COORDINATION_TABLE_SCHEMA).toEqual({ partitionKey: 'pathspec', ttlAttribute: 'ttl' });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pathspec', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pathspec', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
  });

  it('grants jobs PutItem/GetItem/UpdateItem and state machines GetItem only', () => {
    const job = statementsOfRole(template.toJSON() as never, 'Job');
    expect(job).toEqual([expect.objectContaining({ Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'] })]);
    const sfn = statementsOfRole(template.toJSON() as never, 'Sfn');
    expect(sfn).toEqual([expect.objectContaining({ Action: 'dynamodb:GetItem' })]);
  });

  it('supports a customer managed key and key grants', () => {
    const stack = newStack();
    const table = new MetaflowCoordinationTable(stack, 'T', { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, pointInTimeRecovery: false, removalPolicy: RemovalPolicy.DESTROY });
    table.grantJobAccess(new iam.Role(stack, 'Job', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } });
    expect(statementsOfRole(t.toJSON() as never, 'Job')).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }));
  });

  it('encrypts with a key given alone, and refuses a key the chosen encryption would leave unused', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new MetaflowCoordinationTable(stack, 'Keyed', { encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: Match.objectLike({ SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() }) });
    expect(problemsOf(() => new MetaflowCoordinationTable(stack, 'Managed', { encryption: dynamodb.TableEncryption.AWS_MANAGED, encryptionKey: key }))).toEqual([
      expect.objectContaining({ where: 'Test/Managed', field: 'encryptionKey', fix: 'set encryption: TableEncryption.CUSTOMER_MANAGED, or remove encryptionKey' }),
    ]);
  });
});
