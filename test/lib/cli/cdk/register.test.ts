import { setCdkRunner } from '../../../../lib/cli/cdk/invoke';
import { cli } from '../harness';

let calls: (readonly string[])[];
let exitCode: number;

beforeEach(() => {
  calls = [];
  exitCode = 0;
  setCdkRunner(async (_command, args) => {
    calls.push(args.slice(1));
    return exitCode;
  });
});
afterEach(() => setCdkRunner(undefined));

describe('synth / deploy / diff through the CLI', () => {
  test('synth: stacks, repeatable --context, --app, --quiet', async () => {
    const result = await cli('synth', 'Infra', 'Flows', '-c', 'a=1', '--context', 'b=2', '--app', 'node app.js', '-q');
    expect(result.code).toBe(0);
    expect(calls[0]).toEqual(['synth', '--app', 'node app.js', '--context', 'a=1', '--context', 'b=2', '--quiet', 'Infra', 'Flows']);
  });

  test('deploy: unknown CDK flags and their values are passed through', async () => {
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
