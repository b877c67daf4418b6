import * as http from 'http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { installPromiseWithResolvers } from '../../../../lib/local/asl/polyfill';

// Test helper (not a test file): the Step Functions interpreter and a local DynamoDB for the stand-in runs.
installPromiseWithResolvers();
export const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };

export interface LocalDynamo {
  readonly endpoint: string;
  readonly dynamo: DynamoDBClient;
  stop(): Promise<void>;
}

/** dynalite on an ephemeral loopback port, with a client for it. */
export async function startDynalite(): Promise<LocalDynamo> {
  const dynalite = require('dynalite') as (options: object) => http.Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const dynamo = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    endpoint,
    dynamo,
    stop: async () => {
      dynamo.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
