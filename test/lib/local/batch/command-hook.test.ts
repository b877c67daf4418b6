import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationError } from '../../../../lib/errors';
import { metaflowStandin, STANDIN_DATASTORE_ENV } from '../../../../lib/local/batch/command-hook';
import { STANDIN_STEP_SCRIPT } from '../../../../lib/runtime/metaflow/standin';

describe('metaflowStandin', () => {
  const hook = metaflowStandin({ codeDir: '/code', datastoreDir: '/data', python: 'py3' });
  const metaflowEnv = { METAFLOW_FLOW_NAME: 'LinearFlow', AWS_BATCH_JOB_ID: 'j' };

  test('a Metaflow step runs the stand-in with its bash script and the code directory, and records under the datastore', () => {
    const replaced = hook({ step: 'start', command: ['bash', '-c', 'python flow.py step start'], env: metaflowEnv });
    expect(replaced).toEqual({ command: ['py3', STANDIN_STEP_SCRIPT, 'python flow.py step start', '/code'], env: { [STANDIN_DATASTORE_ENV]: '/data' } });
    expect(hook({ step: 'start', command: ['/bin/bash', '-c', 'x'], env: metaflowEnv })?.command[2]).toBe('x');
  });

  test('jobs that are not Metaflow steps keep their own command', () => {
    expect(hook({ step: 's', command: ['bash', '-c', 'echo'], env: {} })).toBeUndefined();
    expect(hook({ step: 's', command: ['node', 'step.js'], env: metaflowEnv })).toBeUndefined();
    expect(hook({ step: 's', command: ['sh', '-c', 'echo'], env: metaflowEnv })).toBeUndefined();
  });

  test('without a code directory it reads the flow file from the code package staged in the cloud assembly', () => {
    const assembly = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-hook-'));
    try {
      fs.mkdirSync(path.join(assembly, 'asset.abc123'));
      const staged = metaflowStandin({ assemblyDirectory: assembly, datastoreDir: '/data', python: 'py3' });
      expect(staged({ step: 'start', command: ['bash', '-c', 's'], env: { ...metaflowEnv, METAFLOW_CODE_SHA: 'abc123' } })?.command[3]).toBe(path.join(assembly, 'asset.abc123'));
      expect(() => staged({ step: 'start', command: ['bash', '-c', 's'], env: { ...metaflowEnv, METAFLOW_CODE_SHA: 'other' } })).toThrow(/step "start" of flow "LinearFlow".*not staged in .*no directory asset\.other/);
      expect(() => staged({ step: 'start', command: ['bash', '-c', 's'], env: metaflowEnv })).toThrow(ValidationError);
    } finally {
      fs.rmSync(assembly, { recursive: true, force: true });
    }
  });

  test('with neither a code directory nor a cloud assembly it says what to pass', () => {
    expect(() => metaflowStandin({ datastoreDir: '/data' })).toThrow(/pass codeDir .* or assemblyDirectory/);
  });
});
