import { explainAwsError } from '../../../../lib/cli/aws/errors';
import { named } from '../harness';

describe('explainAwsError', () => {
  test('missing credentials: how to configure them', () => {
    expect(explainAwsError(named('CredentialsProviderError', 'Could not load credentials from any providers'))?.message).toMatch(
      /no AWS credentials found.*aws configure.*--profile NAME.*AWS_ACCESS_KEY_ID/,
    );
  });

  test('missing region, expired session, access denied', () => {
    expect(explainAwsError(new Error('Region is missing'))?.message).toMatch(/--region REGION/);
    expect(explainAwsError(named('ExpiredTokenException', 'expired'))?.message).toMatch(/aws sso login/);
    expect(explainAwsError(named('AccessDeniedException', 'no states:ListExecutions'))?.message).toMatch(/AWS denied the call: no states:ListExecutions/);
  });

  test('anything else is left alone', () => {
    expect(explainAwsError(named('InternalFailure', 'x'))).toBeUndefined();
    expect(explainAwsError('string')).toBeUndefined();
  });
});
