import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { cli, mocks, resetMocks, throttle } from '../harness';

const CONFIG = { METAFLOW_DATASTORE_SYSROOT_S3: 's3://bucket/metaflow', METAFLOW_BATCH_JOB_QUEUE: 'arn:aws:batch:us-east-1:1:job-queue/q' };

const stack = (name: string, outputs: Stack['Outputs'], status: Stack['StackStatus'] = 'UPDATE_COMPLETE'): Stack => ({
  StackName: name,
  StackStatus: status,
  CreationTime: new Date(),
  Outputs: outputs,
});

const infra = stack('Infra', [
  { OutputKey: 'BucketName', OutputValue: 'bucket' },
  { OutputKey: 'MetaflowInfraMetaflowConfigJson1A2B3C4D', OutputValue: JSON.stringify(CONFIG) },
]);

beforeEach(resetMocks);

describe('config', () => {
  test('finds the one stack with the config output across pages and prints the JSON', async () => {
    mocks.cfn
      .on(DescribeStacksCommand, { NextToken: undefined })
      .resolves({ Stacks: [stack('App', [{ OutputKey: 'Url', OutputValue: 'x' }])], NextToken: 'p2' })
      .on(DescribeStacksCommand, { NextToken: 'p2' })
      .resolves({ Stacks: [infra, stack('OldInfra', infra.Outputs, 'DELETE_COMPLETE')] });
    const result = await cli('config');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(CONFIG);
  });

  test('--stack reads that stack; an exact output key wins', async () => {
    mocks.cfn.on(DescribeStacksCommand, { StackName: 'Mine' }).resolves({ Stacks: [stack('Mine', [{ OutputKey: 'MetaflowConfigJson', OutputValue: '{"A":"1"}' }])] });
    const result = await cli('config', '--stack', 'Mine', '--json');
    expect(JSON.parse(result.stdout)).toEqual({ stackName: 'Mine', outputKey: 'MetaflowConfigJson', config: { A: '1' }, serviceAuthKeySecretArn: null });
  });

  test('a metadata service with an API key: says how to get the key the config leaves out', async () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:1:secret:service-key-AbCdEf';
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('Infra', [...infra.Outputs!, { OutputKey: 'MetaflowServiceAuthKeySecret', OutputValue: secret }])] });
    const result = await cli('config');
    expect(JSON.parse(result.stdout)).toEqual(CONFIG);
    expect(result.stderr).toContain('The metadata service requires an API key, which the config leaves out: set METAFLOW_SERVICE_AUTH_KEY');
    expect(result.stderr).toContain(`aws secretsmanager get-secret-value --secret-id ${secret} --query SecretString --output text`);
    expect(JSON.parse((await cli('config', '--json')).stdout)).toMatchObject({ serviceAuthKeySecretArn: secret });
  });

  test('--output writes a file for `metaflow configure import`', async () => {
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [infra] });
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.json');
    const result = await cli('config', '--output', file);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(CONFIG);
    expect(result.stderr).toContain(`metaflow configure import ${file}`);
  });

  test('--output into a directory that does not exist: one line, exit 1', async () => {
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [infra] });
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'nope', 'config.json');
    const result = await cli('config', '--output', file);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `error: cannot write --output ${file}: no such file or directory. Create its directory or choose another path.\n` });
  });

  test('no stack has the output: says what to do', async () => {
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('App', [])] });
    const result = await cli('config');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no stack .* has a MetaflowConfigJson output \(searched 1 stack\(s\)\); deploy MetaflowInfrastructure/);
  });

  test('several stacks have it: asks for --stack', async () => {
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [infra, { ...infra, StackName: 'Infra2' }] });
    const result = await cli('config');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/several stacks .*\(Infra, Infra2\); choose one with --stack NAME/);
  });

  test('--stack that does not exist, or lacks the output', async () => {
    mocks.cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    mocks.cfn.on(DescribeStacksCommand, { StackName: 'App' }).resolves({ Stacks: [stack('App', [])] });
    const missing = await cli('config', '--stack', 'Nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/stack Nope does not exist/);
    expect((await cli('config', '--stack', 'App')).stderr).toMatch(/has no MetaflowConfigJson output/);
  });

  test('an output that is not JSON is reported, and throttling is retried', async () => {
    mocks.cfn.on(DescribeStacksCommand).rejectsOnce(throttle('Throttling')).resolves({ Stacks: [stack('Bad', [{ OutputKey: 'MetaflowConfigJson', OutputValue: '{oops' }])] });
    const result = await cli('config');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/output MetaflowConfigJson of stack Bad is not valid JSON/);
  });
});
