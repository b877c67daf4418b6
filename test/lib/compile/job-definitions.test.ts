import { analyzeFlow } from '../../../lib/graph/analyze';
import { jobDefinitionFor, secretEnvName } from '../../../lib/compile/job-definitions';
import { OPTIONS, flow, step } from './helpers';

const nodeOf = (extra: object) => analyzeFlow(flow('J', [step('start', ['end'], extra), step('end', [])])).nodes.get('start')!;
const spec = (extra: object, platform: 'EC2' | 'FARGATE' = 'EC2', options = OPTIONS) =>
  jobDefinitionFor({ flow: 'J', node: nodeOf(extra), platform, retryMode: 'task' }, options);

describe('job definitions', () => {
  it('puts image, entry-script command, resources, static env, retry and timeout in the definition', () => {
    const { spec: jd } = spec({ cpu: 2, memory: 8192, gpu: 1, timeoutSeconds: 600, environment: { MODE: 'fast' } });
    expect(jd).toMatchObject({ type: 'container', image: 'node:22-slim', vcpus: 2, memoryMiB: 8192, gpus: 1, timeoutSeconds: 600 });
    expect(jd!.command.slice(-2)).toEqual(['node', 'steps/start.mjs']);
    expect(jd!.environment).toMatchObject({ MODE: 'fast', MF_FLOW_NAME: 'J', MF_DATASTORE_ROOT: 's3://datastore-bucket/metaflow', MF_DATASTORE_BUCKET: 'datastore-bucket' });
    expect(jd!.environment.MF_STEP_NAME).toBeUndefined();
  });

  it('is content-addressed: equal settings give equal keys, any difference a new key', () => {
    expect(spec({ cpu: 2 }).spec!.key).toBe(spec({ cpu: 2 }).spec!.key);
    expect(spec({ cpu: 2 }).spec!.key).not.toBe(spec({ cpu: 4 }).spec!.key);
  });

  it('maps Linux parameters on EC2 and ephemeral storage on Fargate', () => {
    const ec2 = spec({ sharedMemory: 1024, useTmpfs: true, memory: 8000, inferentia: 2, swappiness: 10, maxSwap: 100 }).spec!;
    expect(ec2.linuxParameters).toEqual({
      sharedMemorySize: 1024,
      maxSwap: 100,
      swappiness: 10,
      tmpfs: [{ containerPath: '/metaflow_temp', size: 4000, mountOptions: ['defaults'] }],
      devices: [0, 1].map((i) => ({ hostPath: `/dev/neuron${i}`, containerPath: `/dev/neuron${i}`, permissions: ['READ', 'WRITE'] })),
    });
    const fargate = spec({ ephemeralStorage: 50 }, 'FARGATE').spec!;
    expect(fargate).toMatchObject({ platform: 'FARGATE', ephemeralStorageGiB: 50 });
    expect(fargate.linuxParameters).toBeUndefined();
  });

  it('refuses two secrets that would become one variable, and variables it sets itself', () => {
    const options = { ...OPTIONS, secrets: new Map([['db-pass', 'arn:aws:secretsmanager:us-east-1:1:secret:db-pass-AbCdEf'], ['db_pass', 'arn:aws:secretsmanager:us-east-1:1:secret:db_pass-GhIjKl']]) };
    expect(spec({ secrets: ['db-pass', 'db_pass'] }, 'EC2', options).problems).toEqual([expect.objectContaining({ field: 'secrets', value: 'db_pass', message: expect.stringContaining('also becomes DB_PASS') })]);
    expect(spec({ environment: { MF_RUN_ID: 'mine', MF_PARAM_ALPHA: '1', MY_VAR: 'ok' } }).problems.map((p) => p.field)).toEqual(['environment.MF_RUN_ID', 'environment.MF_PARAM_ALPHA']);
  });

  it('maps Trainium chips even beside an explicit inferentia: 0 (from flow defaults)', () => {
    expect(spec({ inferentia: 0, trainium: 2 }).spec!.linuxParameters?.devices?.map((d) => d.hostPath)).toEqual(['/dev/neuron0', '/dev/neuron1']);
  });

  it('turns granted secrets into environment variables and refuses others', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:1:secret:db-creds-AbCdEf';
    const options = { ...OPTIONS, secrets: new Map([['db-creds', arn]]) };
    expect(spec({ secrets: ['db-creds'] }, 'EC2', options).spec!.secrets).toEqual({ DB_CREDS: arn });
    expect(spec({ secrets: ['other'] }, 'EC2', options).problems[0]).toMatchObject({ field: 'secrets', value: 'other' });
    expect(secretEnvName(arn)).toBe('DB_CREDS');
  });

  it('reports a missing image and command', () => {
    const { problems } = spec({ command: undefined }, 'EC2', { ...OPTIONS, image: undefined });
    expect(problems.map((p) => p.field)).toEqual(['image', 'command']);
  });
});
