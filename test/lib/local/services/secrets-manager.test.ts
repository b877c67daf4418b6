import { injectedSecretValue, secretKeyFor, startLocalAwsFallback, type LocalAwsFallback } from '../../../../lib/local/services/secrets-manager';

async function call(endpoint: string, target: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1', connection: 'close' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('local Secrets Manager', () => {
  let server: LocalAwsFallback;
  beforeAll(async () => {
    server = await startLocalAwsFallback({ 'db-creds': { user: 'me', password: 'pw' }, token: 'abc' });
  });
  afterAll(() => server.stop());

  test('GetSecretValue answers a JSON value as its JSON text and a string as is, by name or ARN', async () => {
    const json = await call(server.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'db-creds' });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ Name: 'db-creds', VersionStages: ['AWSCURRENT'] });
    expect(JSON.parse(json.body.SecretString as string)).toEqual({ user: 'me', password: 'pw' });
    const byArn = await call(server.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf' });
    expect(byArn.body).toMatchObject({ Name: 'token', SecretString: 'abc' });
  });

  test('a secret without a value is ResourceNotFoundException naming --secrets-file; other services are refused', async () => {
    const missing = await call(server.endpoint, 'secretsmanager.GetSecretValue', { SecretId: 'other' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ __type: 'ResourceNotFoundException' });
    expect(missing.body.Message).toMatch(/"other".*--secrets-file/);
    const sts = await call(server.endpoint, 'AWSSecurityTokenServiceV20110615.GetCallerIdentity', {});
    expect(sts.status).toBe(400);
    expect(sts.body.message).toMatch(/not available locally/);
  });

  test('secretKeyFor matches names, full ARNs and ARNs with the 6-character suffix', () => {
    const values = { a: 1, 'arn:aws:secretsmanager:us-east-1:1:secret:b-123456': 2 };
    expect(secretKeyFor('a', values)).toBe('a');
    expect(secretKeyFor('arn:aws:secretsmanager:us-east-1:1:secret:a', values)).toBe('a');
    expect(secretKeyFor('arn:aws:secretsmanager:us-east-1:1:secret:b-123456', values)).toBe('arn:aws:secretsmanager:us-east-1:1:secret:b-123456');
    expect(secretKeyFor('b', values)).toBeUndefined();
  });

  test('injectedSecretValue gives what Batch injects: the secret string (JSON for an object), or one JSON key of it', () => {
    const values = { 'prod/db': 's3cr3t', creds: { user: 'me', port: 5432 }, text: '{"user": "you"}' };
    const arn = (name: string) => `arn:aws:secretsmanager:local:000000000000:secret:${name}`;
    expect(injectedSecretValue('prod/db', values)).toBe('s3cr3t');
    expect(injectedSecretValue(arn('prod/db-AbC123'), values)).toBe('s3cr3t');
    expect(injectedSecretValue(arn('creds'), values)).toBe('{"user":"me","port":5432}');
    expect(injectedSecretValue(`${arn('creds')}:user::`, values)).toBe('me');
    expect(injectedSecretValue(`${arn('creds')}:port::`, values)).toBe('5432');
    expect(injectedSecretValue(`${arn('text')}:user::`, values)).toBe('you');
    expect(injectedSecretValue(`${arn('creds')}:missing::`, values)).toBeUndefined();
    expect(injectedSecretValue(arn('other'), values)).toBeUndefined();
  });
});
