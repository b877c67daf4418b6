import { CliError } from '../cli-error';

const CREDENTIALS_HELP =
  'no AWS credentials found. Configure them with `aws configure` (access keys) or `aws configure sso` then ' +
  '`aws sso login --profile NAME`, and select the profile with `--profile NAME` or `AWS_PROFILE=NAME`; ' +
  'or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
/** AWS did not recognize the key or session token: a wrong key, or a region the account has not opted in to. */
const INVALID_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch']);
const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'TokenRefreshRequired']);

/**
 * Turns the AWS SDK errors an operator can fix (credentials, region, permissions) into a message that says how.
 * Returns undefined for anything else.
 */
export function explainAwsError(error: unknown): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (/Could not load credentials from any providers/.test(error.message)) return new CliError(CREDENTIALS_HELP);
  if (error.name === 'CredentialsProviderError') {
    // the provider's own message says what is wrong (an expired SSO session, a profile that does not exist)
    return new CliError(`AWS credentials could not be loaded: ${error.message.replace(/\.$/, '')}. ${CREDENTIALS_HELP.replace(/^no AWS credentials found\. /, '')}`);
  }
  if (/Region is missing/i.test(error.message)) {
    return new CliError('no AWS region configured. Pass `--region REGION`, set AWS_REGION, or set `region` in the profile (`aws configure`).');
  }
  const badRegion = /Region not accepted: region="(.*?)"/.exec(error.message);
  if (badRegion) {
    return new CliError(`"${badRegion[1]}" is not an AWS region name. Pass one like us-east-1 with --region, AWS_REGION or the profile's region.`, 2);
  }
  const unknownHost = /getaddrinfo ENOTFOUND (\S+)/.exec(error.message);
  if (unknownHost) {
    return new CliError(
      `no AWS endpoint ${unknownHost[1]} exists or DNS cannot resolve it. Check the region's spelling (--region, ` +
        'AWS_REGION or the profile; e.g. us-east-1), any AWS_ENDPOINT_URL* variable, and the network.',
    );
  }
  const unreachable = /(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH) (\S+)/.exec(error.message);
  if (unreachable) {
    return new CliError(`the AWS endpoint at ${unreachable[2]} did not answer (${unreachable[1]}). Check any AWS_ENDPOINT_URL* variable, a proxy, and the network.`);
  }
  if (EXPIRED.has(error.name) || /token.*expired/i.test(error.message)) {
    return new CliError(`the AWS session has expired (${error.message}). Refresh it (e.g. \`aws sso login --profile NAME\`) and retry.`);
  }
  if (INVALID_CREDENTIALS.has(error.name)) {
    return new CliError(
      `AWS did not accept the credentials: ${error.message.replace(/\.$/, '')}. Check the access key and secret (or the session token) of the ` +
        'profile in use, or refresh them; in a region your account has not opted in to, enable the region or pass another --region.',
    );
  }
  if (ACCESS_DENIED.has(error.name)) {
    return new CliError(
      `AWS denied the call: ${error.message}. Grant the missing permission to the identity you use ` +
        '(docs/cli.md lists every IAM action the CLI needs), or use another profile with --profile.',
    );
  }
  return undefined;
}
