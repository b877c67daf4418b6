import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setCdkRunner } from '../../../../lib/cli/cdk/invoke';
import { cli } from '../harness';

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'HOME'];
const savedEnv = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));

let calls: (readonly string[])[];
let exitCode: number;

beforeEach(() => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  calls = [];
  exitCode = 0;
  setCdkRunner(async (_command, args) => {
    calls.push(args.slice(1));
    return exitCode;
  });
});
afterEach(() => {
  setCdkRunner(undefined);
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('synth / deploy / diff through the CLI', () => {
  test('synth: stacks, repeatable --context, --app, --quiet', async () => {
    const result = await cli('synth', 'Infra', 'Flows', '-c', 'a=1', '--context', 'b=2', '--app', 'node app.js', '-q');
    expect(result.code).toBe(0);
    expect(calls[0]).toEqual(['synth', '--app', 'node app.js', '--context', 'a=1', '--context', 'b=2', '--quiet', 'Infra', 'Flows']);
  });

  test('deploy: unknown CDK flags and their values are passed through', async () => {
    const aws = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-profile-'));
    fs.writeFileSync(path.join(aws, 'credentials'), '[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = secret\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(aws, 'credentials');
    process.env.AWS_CONFIG_FILE = path.join(aws, 'config');
    await cli('deploy', 'Infra', '--require-approval', 'never', '--profile', 'ops', '--hotswap', '--toolkit-stack-name', 'Kit');
    expect(calls[0]).toEqual(['deploy', '--profile', 'ops', '--require-approval', 'never', 'Infra', '--hotswap', '--toolkit-stack-name', 'Kit']);
  });

  test('diff --fail: a non-zero CDK exit code becomes the exit code, with a message', async () => {
    exitCode = 1;
    const result = await cli('diff', '--fail', '--all');
    expect(result.code).toBe(1);
    expect(calls[0]).toEqual(['diff', '--all', '--fail']);
    expect(result.stderr).toMatch(/cdk diff exited with code 1/);
  });
});

describe('deploy / diff without credentials', () => {
  test('print the one-line credentials hint before synthesizing; synth needs none', async () => {
    for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-aws-'));
    Object.assign(process.env, { HOME: home, AWS_CONFIG_FILE: path.join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true' });
    for (const verb of ['deploy', 'diff']) {
      const result = await cli(verb, 'Infra');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: no AWS credentials found\. Configure them with `aws configure`.*\n$/);
    }
    expect(calls).toEqual([]);
    expect((await cli('synth')).code).toBe(0);
    expect(calls).toEqual([['synth']]);
  });
});
