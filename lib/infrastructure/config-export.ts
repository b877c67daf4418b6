import { DATATOOLS_SUFFIX, SAFE_SYSROOT_SUBPREFIXES } from './datastore-rules';

/**
 * The Metaflow configuration this infrastructure exports: the keys of the de-facto import format
 * (terraform-aws-metaflow `metaflow_profile_json`) plus the keys it misses, never an empty string for a feature that is off.
 */

/** Keys Metaflow reads (`metaflow/metaflow_config.py`), in the order they are written. */
export const METAFLOW_CONFIG_KEYS = [
  'METAFLOW_DEFAULT_DATASTORE',
  'METAFLOW_DATASTORE_SYSROOT_S3',
  'METAFLOW_DATATOOLS_S3ROOT',
  'METAFLOW_DEFAULT_METADATA',
  'METAFLOW_SERVICE_URL',
  'METAFLOW_SERVICE_INTERNAL_URL',
  'METAFLOW_BATCH_JOB_QUEUE',
  'METAFLOW_ECS_S3_ACCESS_IAM_ROLE',
  'METAFLOW_ECS_FARGATE_EXECUTION_ROLE',
  'METAFLOW_SFN_IAM_ROLE',
  'METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE',
  'METAFLOW_SFN_DYNAMO_DB_TABLE',
  'METAFLOW_SFN_STATE_MACHINE_PREFIX',
  'METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN',
  'METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH',
  'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE',
  'METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION',
  'METAFLOW_BATCH_CONTAINER_REGISTRY',
  'METAFLOW_BATCH_CONTAINER_IMAGE',
] as const;

export type MetaflowConfigKey = (typeof METAFLOW_CONFIG_KEYS)[number];
export type MetaflowConfig = Partial<Record<MetaflowConfigKey, string>>;

/** What the infrastructure knows; values may be CDK tokens (they are resolved by CloudFormation). */
export interface ConfigInputs {
  readonly bucketName: string;
  readonly rootPrefix: string;
  readonly defaultQueueArn: string;
  readonly jobRoleArn: string;
  readonly executionRoleArn: string;
  readonly stateMachineRoleArn: string;
  readonly eventsRoleArn: string;
  readonly tableName: string;
  readonly stateMachinePrefix: string;
  readonly executionLogGroupArn?: string;
  readonly region: string;
  readonly hasSecrets: boolean;
  /** Metadata service; without one Metaflow keeps metadata in the datastore-local provider. */
  readonly serviceUrl?: string;
  readonly serviceInternalUrl?: string;
  /** Secret holding `METAFLOW_SERVICE_HEADERS` (the API key); exported as its ARN, never its value. */
  readonly serviceHeadersSecretArn?: string;
  readonly containerRegistry?: string;
  readonly containerImage?: string;
}

export function sysroot(bucketName: string, rootPrefix: string): string {
  return `s3://${bucketName}/${rootPrefix}`;
}

/** The config as an ordered record; keys of disabled features are absent, never empty. */
export function buildMetaflowConfig(inputs: ConfigInputs): MetaflowConfig {
  const root = sysroot(inputs.bucketName, inputs.rootPrefix);
  const values: MetaflowConfig = {
    METAFLOW_DEFAULT_DATASTORE: 's3',
    METAFLOW_DATASTORE_SYSROOT_S3: root,
    METAFLOW_DATATOOLS_S3ROOT: `${root}/${DATATOOLS_SUFFIX}`,
    METAFLOW_DEFAULT_METADATA: inputs.serviceUrl ? 'service' : 'local',
    METAFLOW_SERVICE_URL: inputs.serviceUrl,
    METAFLOW_SERVICE_INTERNAL_URL: inputs.serviceUrl ? (inputs.serviceInternalUrl ?? inputs.serviceUrl) : undefined,
    METAFLOW_BATCH_JOB_QUEUE: inputs.defaultQueueArn,
    METAFLOW_ECS_S3_ACCESS_IAM_ROLE: inputs.jobRoleArn,
    METAFLOW_ECS_FARGATE_EXECUTION_ROLE: inputs.executionRoleArn,
    METAFLOW_SFN_IAM_ROLE: inputs.stateMachineRoleArn,
    METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE: inputs.eventsRoleArn,
    METAFLOW_SFN_DYNAMO_DB_TABLE: inputs.tableName,
    METAFLOW_SFN_STATE_MACHINE_PREFIX: inputs.stateMachinePrefix,
    METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN: inputs.executionLogGroupArn,
    METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH: `${root}/${SAFE_SYSROOT_SUBPREFIXES.distributedMapOutput}`,
    METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: inputs.hasSecrets ? 'aws-secrets-manager' : undefined,
    METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION: inputs.hasSecrets ? inputs.region : undefined,
    METAFLOW_BATCH_CONTAINER_REGISTRY: inputs.containerRegistry,
    METAFLOW_BATCH_CONTAINER_IMAGE: inputs.containerImage,
  };
  const config: MetaflowConfig = {};
  for (const key of METAFLOW_CONFIG_KEYS) {
    const value = values[key];
    if (value !== undefined && value !== '') config[key] = value;
  }
  return config;
}

/** CloudFormation output ids are alphanumeric: `METAFLOW_BATCH_JOB_QUEUE` -> `MetaflowBatchJobQueue`. */
export function outputIdForKey(key: string): string {
  return key
    .toLowerCase()
    .split('_')
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** How an operator gets the service's API key into their Metaflow config (`METAFLOW_SERVICE_AUTH_KEY`). */
export function serviceAuthKeyCommand(secretArn: string): string {
  return `aws secretsmanager get-secret-value --secret-id ${secretArn} --query SecretString --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["x-api-key"])'`;
}
