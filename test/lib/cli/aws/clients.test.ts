import { SFNClient } from '@aws-sdk/client-sfn';
import { createClients, defaultClientFactory, SDK_MAX_ATTEMPTS, setClientFactory, type AwsClients } from '../../../../lib/cli/aws/clients';

afterEach(() => setClientFactory(undefined));

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
