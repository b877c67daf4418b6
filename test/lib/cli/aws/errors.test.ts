import { explainAwsError } from '../../../../lib/cli/aws/errors';
import { named } from '../harness';

describe('explainAwsError', () => {
  test('missing credentials: how to configure them', () => {
    expect(explainAwsError(named('CredentialsProviderError', 'Could not load credentials from any providers'))?.message).toMatch(
      /no AWS credentials found.*aws configure.*--profile NAME.*AWS_ACCESS_KEY_ID/,
    );
  });

  test("a credentials provider's own failure keeps its message (an expired SSO session says how to refresh it)", () => {
    const sso = 'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.';
    const message = explainAwsError(named('CredentialsProviderError', sso))?.message;
    expect(message).toBe(`AWS credentials could not be loaded: ${sso.slice(0, -1)}. Configure them with \`aws configure\` (access keys) or \`aws configure sso\` then \`aws sso login --profile NAME\`, and select the profile with \`--profile NAME\` or \`AWS_PROFILE=NAME\`; or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`);
  });

  test('credentials AWS does not recognize are not a missing permission', () => {
    for (const name of ['UnrecognizedClientException', 'InvalidClientTokenId']) {
      const message = explainAwsError(named(name, 'The security token included in the request is invalid.'))?.message;
      expect(message).toMatch(/^AWS did not accept the credentials: The security token included in the request is invalid\. Check the access key and secret/);
      expect(message).not.toMatch(/permission/);
    }
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
