import { type ConfigInputs, METAFLOW_CONFIG_KEYS, buildMetaflowConfig, outputIdForKey, serviceAuthKeyCommand } from '../../../lib/infrastructure/config-export';

const inputs: ConfigInputs = {
  bucketName: 'bucket',
  rootPrefix: 'metaflow',
  defaultQueueArn: 'arn:aws:batch:eu-west-1:1:job-queue/q',
  jobRoleArn: 'arn:job',
  executionRoleArn: 'arn:exec',
  stateMachineRoleArn: 'arn:sfn',
  eventsRoleArn: 'arn:events',
  tableName: 'table',
  stateMachinePrefix: 'mf',
  region: 'eu-west-1',
  hasSecrets: false,
};

describe('buildMetaflowConfig', () => {
  it('writes the keys Metaflow reads, with the values Metaflow expects', () => {
    expect(buildMetaflowConfig(inputs)).toEqual({
      METAFLOW_DEFAULT_DATASTORE: 's3',
      METAFLOW_DATASTORE_SYSROOT_S3: 's3://bucket/metaflow',
      METAFLOW_DATATOOLS_S3ROOT: 's3://bucket/metaflow/data',
      METAFLOW_DEFAULT_METADATA: 'local',
      METAFLOW_BATCH_JOB_QUEUE: 'arn:aws:batch:eu-west-1:1:job-queue/q',
      METAFLOW_ECS_S3_ACCESS_IAM_ROLE: 'arn:job',
      METAFLOW_ECS_FARGATE_EXECUTION_ROLE: 'arn:exec',
      METAFLOW_SFN_IAM_ROLE: 'arn:sfn',
      METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE: 'arn:events',
      METAFLOW_SFN_DYNAMO_DB_TABLE: 'table',
      METAFLOW_SFN_STATE_MACHINE_PREFIX: 'mf',
      METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH: 's3://bucket/metaflow/sfn_distributed_map_output',
    });
  });

  it('never writes an empty string for a feature that is off', () => {
    const config = buildMetaflowConfig({ ...inputs, serviceUrl: '', containerImage: '' });
    expect(Object.values(config)).not.toContain('');
    expect(config).not.toHaveProperty('METAFLOW_SERVICE_URL');
    expect(config).not.toHaveProperty('METAFLOW_BATCH_CONTAINER_IMAGE');
  });

  it('switches metadata to the service and internal URL defaults to the public one', () => {
    const config = buildMetaflowConfig({ ...inputs, serviceUrl: 'https://svc/api/' });
    expect(config.METAFLOW_DEFAULT_METADATA).toBe('service');
    expect(config.METAFLOW_SERVICE_INTERNAL_URL).toBe('https://svc/api/');
    expect(buildMetaflowConfig({ ...inputs, serviceUrl: 'https://svc/', serviceInternalUrl: 'http://nlb/' }).METAFLOW_SERVICE_INTERNAL_URL).toBe('http://nlb/');
  });

  it('configures the secrets backend only when there are secrets', () => {
    const config = buildMetaflowConfig({ ...inputs, hasSecrets: true });
    expect(config.METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE).toBe('aws-secrets-manager');
    expect(config.METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION).toBe('eu-west-1');
  });

  it('writes keys in the documented order', () => {
    const keys = Object.keys(buildMetaflowConfig({ ...inputs, hasSecrets: true, serviceUrl: 'u', containerImage: 'i', executionLogGroupArn: 'l' }));
    expect(keys).toEqual(METAFLOW_CONFIG_KEYS.filter((k) => keys.includes(k)));
  });
});

describe('outputIdForKey', () => {
  it('turns config keys into alphanumeric output ids', () => {
    expect(outputIdForKey('METAFLOW_BATCH_JOB_QUEUE')).toBe('MetaflowBatchJobQueue');
    for (const key of METAFLOW_CONFIG_KEYS) expect(outputIdForKey(key)).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(METAFLOW_CONFIG_KEYS.map(outputIdForKey)).size).toBe(METAFLOW_CONFIG_KEYS.length);
  });
});

describe('serviceAuthKeyCommand', () => {
  it('reads the x-api-key field of the headers secret, so the key itself is never exported', () => {
    const command = serviceAuthKeyCommand('arn:aws:secretsmanager:eu-west-1:1:secret:md-AbC123');
    expect(command).toMatch(/^aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:md-AbC123 /);
    expect(command).toContain('["x-api-key"]');
  });
});
