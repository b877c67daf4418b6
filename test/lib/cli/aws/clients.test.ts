import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createClients, defaultClientFactory, SDK_MAX_ATTEMPTS, setClientFactory, type AwsClients } from '../../../../lib/cli/aws/clients';

afterEach(() => setClientFactory(undefined));

const awsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
beforeAll(() => {
  process.env.AWS_CONFIG_FILE = path.join(awsDir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(awsDir, 'credentials');
  fs.writeFileSync(process.env.AWS_CONFIG_FILE, '[profile ops]\nregion = eu-central-1\n');
});
afterAll(() => {
  for (const [key, value] of [['AWS_CONFIG_FILE', saved.config], ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(awsDir, { recursive: true, force: true });
});

describe('client factory', () => {
  test('builds each client once, lazily, with region, profile and adaptive retries', async () => {
    const clients = defaultClientFactory({ region: 'eu-central-1', profile: 'ops' });
    const sfn = clients.sfn;
    expect(sfn).toBeInstanceOf(SFNClient);
    expect(clients.sfn).toBe(sfn);
    expect(await sfn.config.region()).toBe('eu-central-1');
    expect(sfn.config.profile).toBe('ops');
    expect(await sfn.config.maxAttempts()).toBe(SDK_MAX_ATTEMPTS);
    expect(((await sfn.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
    expect(clients.batch).toBe(clients.batch);
    expect(clients.logs).toBeDefined();
    expect(clients.cloudFormation).toBeDefined();
    expect(clients.tagging).toBeDefined();
  });

  test('refuses a profile that is not configured before any AWS call', () => {
    expect(() => defaultClientFactory({ region: 'eu-central-1', profile: 'nope' })).toThrow(/the AWS profile "nope" is not in .*\(profiles there: ops\)/);
  });

  test('setClientFactory injects clients; undefined restores the default', () => {
    const fake = { sfn: 'fake' } as unknown as AwsClients;
    const factory = jest.fn(() => fake);
    setClientFactory(factory);
    expect(createClients({ region: 'x' })).toBe(fake);
    expect(factory).toHaveBeenCalledWith({ region: 'x' });
    setClientFactory(undefined);
    expect(createClients({ region: 'x' })).not.toBe(fake);
  });
});
