import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationError } from '../../../../lib/errors';
import { metaflowStandin, STANDIN_DATASTORE_ENV } from '../../../../lib/local/batch/command-hook';
import { unpackedCodePackage } from '../../../../lib/local/batch/staged-code-package';
import { codePackageFiles } from '../../../../lib/runtime/metaflow/code-package';
import { codePackageTarball, metaflowPackageInfo } from '../../../../lib/runtime/metaflow/code-tarball';
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

  test('a staged tgz code package (MetaflowFlow\'s) is found by its sha1, unpacked once per process and reused', () => {
    const assembly = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-hook-'));
    const flowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-hook-flow-'));
    try {
      fs.writeFileSync(path.join(flowDir, 'flow.py'), 'print(1)\n');
      const tarball = codePackageTarball(codePackageFiles(flowDir), metaflowPackageInfo({ flowName: 'LinearFlow', flowFile: 'flow.py', metaflowVersion: '2.19.38', productionToken: 't' }));
      fs.writeFileSync(path.join(assembly, `asset.${'e'.repeat(64)}.tgz`), tarball.bytes);
      fs.writeFileSync(path.join(assembly, `asset.${'f'.repeat(64)}.tgz`), 'another asset');
      const staged = metaflowStandin({ assemblyDirectory: assembly, datastoreDir: '/data', python: 'py3' });
      const env = { ...metaflowEnv, METAFLOW_CODE_SHA: tarball.sha };
      const codeDir = staged({ step: 'start', command: ['bash', '-c', 's'], env })!.command[3];
      expect(fs.readFileSync(path.join(codeDir, 'flow.py'), 'utf-8')).toBe('print(1)\n');
      expect(JSON.parse(fs.readFileSync(path.join(codeDir, 'INFO'), 'utf-8')).script).toBe('flow.py');
      fs.writeFileSync(path.join(codeDir, 'marker'), '');
      expect(staged({ step: 'end', command: ['bash', '-c', 's'], env })!.command[3]).toBe(codeDir);
      expect(fs.existsSync(path.join(codeDir, 'marker'))).toBe(true);
      expect(() => staged({ step: 'start', command: ['bash', '-c', 's'], env: { ...metaflowEnv, METAFLOW_CODE_SHA: 'a'.repeat(40) } })).toThrow(/not staged in .*no asset\.\*\.tgz with sha1 a{40}/);
    } finally {
      fs.rmSync(assembly, { recursive: true, force: true });
      fs.rmSync(flowDir, { recursive: true, force: true });
    }
  });

  test('a damaged staged tgz is one ValidationError that says to synthesize again', () => {
    const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-hook-bad-')), 'asset.x.tgz');
    try {
      fs.writeFileSync(archive, Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]));
      expect(() => unpackedCodePackage(archive, 'flow "F"')).toThrow(ValidationError);
      expect(() => unpackedCodePackage(archive, 'flow "F"')).toThrow(/flow "F".*cannot be unpacked.*synthesize the app again/s);
    } finally {
      fs.rmSync(path.dirname(archive), { recursive: true, force: true });
    }
  });

  test('with neither a code directory nor a cloud assembly it says what to pass', () => {
    expect(() => metaflowStandin({ datastoreDir: '/data' })).toThrow(/pass codeDir .* or assemblyDirectory/);
  });
});
