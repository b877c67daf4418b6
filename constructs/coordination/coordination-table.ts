import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { enumValueProblems, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { ValidationError } from '../../lib/errors';

/** Key and TTL attribute names Metaflow's Step Functions runtime uses (`dynamo_db_client.py`). */
export const COORDINATION_TABLE_SCHEMA = { partitionKey: 'pathspec', ttlAttribute: 'ttl' } as const;

export interface MetaflowCoordinationTableProps {
  /**
   * Encryption at rest.
   * @default dynamodb.TableEncryption.AWS_MANAGED
   */
  readonly encryption?: dynamodb.TableEncryption;
  /**
   * Key for `TableEncryption.CUSTOMER_MANAGED`; a key given without `encryption` makes the encryption customer managed.
   * @default - a new key when the encryption is customer managed
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Point-in-time recovery.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB table that coordinates foreach fan-out: the foreach task writes its width, each body task adds its id,
 * the join reads them. On demand, encrypted, with point-in-time recovery, items expiring through `ttl`.
 */
export class MetaflowCoordinationTable extends Construct {
  /** Job-role actions on a table created elsewhere (same key schema expected). */
  static grantJobAccessTo(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
    table.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    return table.grant(grantee, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
  }

  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: MetaflowCoordinationTableProps = {}) {
    super(scope, id);
    const kinds = [
      ...propKindProblems(this.node.path, props, { encryptionKey: { kind: 'construct', fix: 'import the key, e.g. kms.Key.fromKeyArn(this, "Key", arn)' }, pointInTimeRecovery: 'boolean' }),
      ...enumValueProblems(this.node.path, 'encryption', props.encryption, 'TableEncryption', dynamodb.TableEncryption),
      ...enumValueProblems(this.node.path, 'removalPolicy', props.removalPolicy, 'RemovalPolicy', RemovalPolicy),
    ];
    if (kinds.length > 0) throw new ValidationError(kinds);
    const encryption = props.encryption ?? (props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED);
    if (props.encryptionKey && encryption !== dynamodb.TableEncryption.CUSTOMER_MANAGED) {
      throw new ValidationError([{
        where: this.node.path, field: 'encryptionKey', value: `given with encryption ${encryption}`,
        message: 'the table would not be encrypted with this key', fix: 'set encryption: TableEncryption.CUSTOMER_MANAGED, or remove encryptionKey',
      }]);
    }
    this.table = new dynamodb.Table(this, 'Resource', {
      partitionKey: { name: COORDINATION_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: COORDINATION_TABLE_SCHEMA.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** What Batch jobs do: PutItem (foreach width), UpdateItem (join ids), GetItem (join inputs). */
  grantJobAccess(grantee: iam.IGrantable): iam.Grant {
    return MetaflowCoordinationTable.grantJobAccessTo(this.table, grantee);
  }

  /** What the state machine does: GetItem of the foreach width. */
  grantStateMachineRead(grantee: iam.IGrantable): iam.Grant {
    this.table.encryptionKey?.grantDecrypt(grantee);
    return this.table.grant(grantee, 'dynamodb:GetItem');
  }
}
