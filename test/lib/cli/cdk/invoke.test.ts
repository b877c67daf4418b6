import { buildCdkArgs, cdkCommand, cdkEnv, runCdk, setCdkRunner, spawnRunner } from '../../../../lib/cli/cdk/invoke';

afterEach(() => setCdkRunner(undefined));

describe('buildCdkArgs', () => {
  test('maps app, context, profile, output and the verb-specific flags, then passes the rest through in order', () => {
    expect(
      buildCdkArgs('deploy', ['Infra', '--hotswap'], {
        app: 'npx tsx bin/app.ts',
        context: ['env=prod', 'flow=train'],
        profile: 'ops',
        output: 'out',
        all: true,
        requireApproval: 'never',
        outputsFile: 'o.json',
        quiet: true,
        fail: true,
      }),
    ).toEqual([
      'deploy', '--app', 'npx tsx bin/app.ts', '--context', 'env=prod', '--context', 'flow=train', '--profile', 'ops',
      '--output', 'out', '--all', '--require-approval', 'never', '--outputs-file', 'o.json', 'Infra', '--hotswap',
    ]);
  });

  test('flags of other verbs are not sent (quiet is synth-only, fail is diff-only)', () => {
    expect(buildCdkArgs('synth', [], { quiet: true, fail: true, requireApproval: 'never' })).toEqual(['synth', '--quiet']);
    expect(buildCdkArgs('diff', ['S'], { quiet: true, fail: true })).toEqual(['diff', '--fail', 'S']);
  });
});

describe('cdkEnv', () => {
  test('--region becomes AWS_REGION and AWS_DEFAULT_REGION; otherwise the environment is unchanged', () => {
    expect(cdkEnv({ region: 'eu-west-1' }, { PATH: '/bin', AWS_REGION: 'us-east-1' })).toEqual({ PATH: '/bin', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(cdkEnv({}, { PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });
});

describe('cdkCommand', () => {
  test("uses the project's aws-cdk through node when installed", () => {
    const { command, prefix } = cdkCommand();
    expect(command).toBe(process.execPath);
    expect(prefix[0]).toMatch(/aws-cdk[\\/]bin[\\/]cdk$/);
  });

  test('falls back to npx with a pinned major when aws-cdk is not installed', () => {
    const fallback = cdkCommand(() => {
      throw new Error('not found');
    });
    expect(fallback.command).toMatch(/^npx/);
    expect(fallback.prefix).toEqual(['--yes', 'aws-cdk@2', '--']);
  });
});

describe('runCdk', () => {
  test('hands the full command line and environment to the runner and returns its code', async () => {
    const calls: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv }[] = [];
    setCdkRunner(async (command, args, env) => {
      calls.push({ command, args, env });
      return 3;
    });
    expect(await runCdk('synth', ['S'], { region: 'ap-south-1' })).toBe(3);
    expect(calls[0].args.slice(1)).toEqual(['synth', 'S']);
    expect(calls[0].env.AWS_REGION).toBe('ap-south-1');
  });

  test('spawnRunner resolves the child exit code', async () => {
    expect(await spawnRunner(process.execPath, ['-e', 'process.exit(4)'], process.env)).toBe(4);
    expect(await spawnRunner(process.execPath, ['-e', ''], process.env)).toBe(0);
  });
});
