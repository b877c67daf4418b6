import { actionMatches, undeclaredWildcardGrants } from '../../../lib/infrastructure/wildcard-grants';

describe('undeclaredWildcardGrants', () => {
  const declared = new Map([['AwsSolutions-IAM5[Resource::*]', ['batch:DescribeJobs', 'xray:Put*']]]);

  it('passes the declared actions, flags any other on the same wildcard', () => {
    const statements = [
      { Effect: 'Allow', Action: ['batch:DescribeJobs', 'xray:PutTraceSegments'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: ['*'] },
      { Effect: 'Deny', Action: 's3:*', Resource: '*' },
    ];
    expect(undeclaredWildcardGrants(statements, declared)).toEqual([{ finding: 'AwsSolutions-IAM5[Resource::*]', action: 'iam:PassRole', declared: ['batch:DescribeJobs', 'xray:Put*'] }]);
  });

  it('leaves findings nobody declared to cdk-nag, and specific resources alone', () => {
    const statements = [
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' },
    ];
    expect(undeclaredWildcardGrants(statements, declared)).toEqual([]);
  });

  it('matches a trailing * as a prefix, case-insensitively', () => {
    expect(actionMatches('s3:GetObject*', 's3:getobjectversion')).toBe(true);
    expect(actionMatches('s3:GetObject', 's3:GetObjectVersion')).toBe(false);
  });
});
