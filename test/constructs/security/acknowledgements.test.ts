import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeGuardRule, acknowledgeWildcardAction, acknowledgeWildcardResource } from '../../../constructs/security/acknowledgements';
import { newStack } from '../support';

function acknowledged(scope: { node: { metadata: { type: string; data: unknown }[] } }): Record<string, string> {
  return Object.assign({}, ...scope.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data));
}

describe('acknowledgements', () => {
  it('records finding ids as cdk-nag and the guard plugin report them, with the reason', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    acknowledgeWildcardResource(bucket, bucket.arnForObjects('metaflow/*'), ['s3:GetObject'], 'prefix');
    acknowledgeWildcardAction(bucket, 'kms:ReEncrypt*', 'kms');
    acknowledgeGuardRule(bucket, 's3_bucket_object_lock_enabled_check', 'lock');
    const ids = acknowledged(bucket);
    const values = Object.entries(ids).map(([k, v]) => `${k.replace(/^[A-Za-z]+::/, '')} => ${v}`);
    expect(values).toEqual(expect.arrayContaining([
      expect.stringMatching(/AwsSolutions-IAM5\[Resource::<Bucket[0-9A-F]{8}\.Arn>\/metaflow\/\*\] => prefix \[actions: s3:GetObject\]$/),
      expect.stringMatching(/AwsSolutions-IAM5\[Action::kms:ReEncrypt\*\] => kms$/),
      expect.stringMatching(/s3_bucket_object_lock_enabled_check => lock$/),
    ]));
  });
});
