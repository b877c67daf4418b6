import { flattenCfnReference, guardFinding, wildcardActionFinding, wildcardResourceFinding } from '../../../lib/infrastructure/nag-findings';

describe('nag finding ids', () => {
  it('flattens intrinsics the way cdk-nag does', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/${x}/*']] };
    expect(flattenCfnReference(arn)).toBe('arn:<AWS::Partition>:s3:::<Bucket.Arn>/<x>/*');
    expect(flattenCfnReference({ 'Fn::Sub': 'a-${B}' })).toBe('a-<B>');
    expect(flattenCfnReference({ 'Fn::ImportValue': 'v' })).toBe('v');
    expect(flattenCfnReference({ other: 1 })).toBe('{"other":1}');
  });

  it('formats rule ids', () => {
    expect(wildcardResourceFinding('*')).toBe('AwsSolutions-IAM5[Resource::*]');
    expect(wildcardActionFinding('kms:ReEncrypt*')).toBe('AwsSolutions-IAM5[Action::kms:ReEncrypt*]');
    expect(guardFinding('s3_bucket_object_lock_enabled_check')).toBe('cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check');
  });
});
