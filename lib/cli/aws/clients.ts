import type { BatchClient } from '@aws-sdk/client-batch';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { assertProfileExists } from './profiles';
import { suppressSdkNodeVersionWarning } from './warnings';

/** Where the CLI talks to AWS: unset fields fall back to the standard chain (env, `~/.aws/config`, SSO, IMDS). */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

export interface AwsClients {
  readonly sfn: SFNClient;
  readonly batch: BatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly cloudFormation: CloudFormationClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
}

/**
 * SDK-level retries with client-side rate limiting; `withRetry` adds a few slower attempts on top
 * so a burst of `batch kill` calls rides out Batch's low TPS limits.
 */
export const SDK_MAX_ATTEMPTS = 5;

export type ClientFactory = (options: AwsOptions) => AwsClients;

function sdkConfig(options: AwsOptions) {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
  };
}

export const defaultClientFactory: ClientFactory = (options) => {
  suppressSdkNodeVersionWarning();
  assertProfileExists(options.profile);
  const config = sdkConfig(options);
  let sfn: SFNClient | undefined;
  let batch: BatchClient | undefined;
  let logs: CloudWatchLogsClient | undefined;
  let cloudFormation: CloudFormationClient | undefined;
  let tagging: ResourceGroupsTaggingAPIClient | undefined;
  // Lazy: a command loads and builds only the clients it uses (each resolves credentials on first call).
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    get sfn() {
      return (sfn ??= new (require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn')).SFNClient(config));
    },
    get batch() {
      return (batch ??= new (require('@aws-sdk/client-batch') as typeof import('@aws-sdk/client-batch')).BatchClient(config));
    },
    get logs() {
      return (logs ??= new (require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient(config));
    },
    get cloudFormation() {
      return (cloudFormation ??= new (require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation')).CloudFormationClient(config));
    },
    get tagging() {
      return (tagging ??= new (require('@aws-sdk/client-resource-groups-tagging-api') as typeof import('@aws-sdk/client-resource-groups-tagging-api')).ResourceGroupsTaggingAPIClient(config));
    },
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
};

let factory: ClientFactory = defaultClientFactory;

/** Tests (or embedders) replace how clients are built; `undefined` restores the default. */
export function setClientFactory(next: ClientFactory | undefined): void {
  factory = next ?? defaultClientFactory;
}

export function createClients(options: AwsOptions): AwsClients {
  return factory(options);
}
