import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Stack } from 'aws-cdk-lib';
import { DatastoreEncryption, MetaflowDatastore } from '../../../constructs/datastore/datastore';

/** A KMS datastore and a coordination table for role tests. */
export function roleFixture(stack: Stack) {
  const datastore = new MetaflowDatastore(stack, 'Datastore', { encryption: DatastoreEncryption.KMS, serverAccessLogs: false });
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pathspec', type: dynamodb.AttributeType.STRING } });
  return { datastore, table };
}
