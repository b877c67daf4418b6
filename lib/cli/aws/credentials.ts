import { createClients, type AwsOptions } from './clients';
import { explainAwsError } from './errors';

/**
 * Resolves credentials through the standard chain (as every SDK call would) and fails with the same one-line hint as
 * the other commands when there are none: `deploy`/`diff` call this before synthesizing, not after a minute of CDK.
 */
export async function assertCredentials(options: AwsOptions): Promise<void> {
  const client = createClients(options).cloudFormation;
  try {
    await client.config.credentials();
  } catch (error) {
    throw explainAwsError(error) ?? error;
  }
}
