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

  test('a region that is no region, a host DNS does not know, an endpoint that does not answer', () => {
    const badRegion = explainAwsError(new Error('Region not accepted: region="bad_region" is not a valid hostname component.'));
    expect(badRegion).toMatchObject({ message: '"bad_region" is not an AWS region name. Pass one like us-east-1 with --region, AWS_REGION or the profile\'s region.', exitCode: 2 });
    expect(explainAwsError(named('Error', 'getaddrinfo ENOTFOUND tagging.us-esat-1.amazonaws.com'))?.message).toMatch(
      /^no AWS endpoint tagging\.us-esat-1\.amazonaws\.com exists or DNS cannot resolve it\. Check the region's spelling \(--region, AWS_REGION/,
    );
    expect(explainAwsError(named('Error', 'connect ECONNREFUSED 127.0.0.1:9'))?.message).toBe(
      'the AWS endpoint at 127.0.0.1:9 did not answer (ECONNREFUSED). Check any AWS_ENDPOINT_URL* variable, a proxy, and the network.',
    );
  });

  test('anything else is left alone', () => {
    expect(explainAwsError(named('InternalFailure', 'x'))).toBeUndefined();
    expect(explainAwsError('string')).toBeUndefined();
  });
});
