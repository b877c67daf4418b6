import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { CommanderError } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError, EXIT, packageVersion, reportError, UsageError } from '../../../lib/cli/program';
import { ValidationError } from '../../../lib/errors';
import { cli, mocks, named, resetMocks } from './harness';

beforeEach(resetMocks);

function captureStderr(fn: () => number): { code: number; stderr: string } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    return { code: fn(), stderr: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('metaflow-cdk --help', () => {
  test('top-level help (snapshot), exit 0', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
    for (const command of ['synth', 'deploy', 'diff', 'flows', 'trigger', 'runs', 'status', 'logs', 'batch', 'terminate', 'config']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });
});

describe('metaflow-cdk --version', () => {
  test('prints the version of package.json, exit 0', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
    const result = await cli('--version');
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('finds package.json from a nested (compiled) directory, and says unknown outside the package', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
    expect(packageVersion(path.join(__dirname, '../../../dist/lib/cli'))).toBe(version);
    expect(packageVersion(fs.mkdtempSync(path.join(os.tmpdir(), 'no-package-')))).toBe('unknown');
  });
});

describe('exit codes', () => {
  test('unknown command and unknown option are usage errors (2)', async () => {
    expect((await cli('nope')).code).toBe(EXIT.usage);
    expect((await cli('flows', '--nope')).code).toBe(EXIT.usage);
  });

  test('help of an unknown command names the mistake and the closest command, exit 2', async () => {
    const result = await cli('help', 'rn');
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^error: unknown command 'rn'\n\(Did you mean run\?\)/);
    const known = await cli('help', 'run');
    expect(known.code).toBe(EXIT.ok);
    expect(known.stdout).toMatch(/^Usage: metaflow-cdk run /);
  });

  test('no command: help on stderr, exit 2', async () => {
    const result = await cli();
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/Usage: metaflow-cdk/);
  });

  test('an AWS failure is exit 1 with the message, no stack trace', async () => {
    mocks.tagging.on(GetResourcesCommand).rejects(named('InternalFailure', 'boom'));
    const result = await cli('flows');
    expect(result).toMatchObject({ code: EXIT.failure, stdout: '' });
    expect(result.stderr).toBe('error: boom\n');
  });

  test('access denied and expired sessions say what to do', async () => {
    mocks.tagging.on(GetResourcesCommand).rejects(named('AccessDeniedException', 'not authorized to perform: tag:GetResources'));
    expect((await cli('flows')).stderr).toMatch(/AWS denied the call: not authorized to perform: tag:GetResources. Grant the missing permission/);
    mocks.tagging.on(GetResourcesCommand).rejects(named('ExpiredTokenException', 'The security token included in the request is expired'));
    expect((await cli('flows')).stderr).toMatch(/session has expired.*aws sso login/);
  });
});

describe('reportError', () => {
  test('maps each error kind to its exit code', () => {
    expect(captureStderr(() => reportError(new CommanderError(0, 'commander.helpDisplayed', ''))).code).toBe(0);
    expect(captureStderr(() => reportError(new CommanderError(1, 'commander.unknownOption', 'x'))).code).toBe(2);
    expect(captureStderr(() => reportError(new UsageError('bad flag'))).code).toBe(2);
    expect(captureStderr(() => reportError(new CliError('custom', 7)))).toEqual({ code: 7, stderr: 'error: custom\n' });
    const validation = captureStderr(() =>
      reportError(new ValidationError([{ where: 'flow "f"', field: 'x', value: 1, message: 'bad', fix: 'fix it' }])),
    );
    expect(validation.code).toBe(1);
    expect(validation.stderr).toContain('flow "f": x = 1: bad. Fix: fix it');
  });

  test('a region-less SDK error says how to set the region', () => {
    expect(captureStderr(() => reportError(new Error('Region is missing'))).stderr).toMatch(/--region REGION.*AWS_REGION/);
  });
});
