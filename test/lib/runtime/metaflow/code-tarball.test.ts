import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { codePackageFiles } from '../../../../lib/runtime/metaflow/code-package';
import { codePackageTarball, contentAddressedUrl, metaflowPackageInfo } from '../../../../lib/runtime/metaflow/code-tarball';

const INFO = metaflowPackageInfo({ flowName: 'HelloFlow', flowFile: 'hello.py', metaflowVersion: '2.19.38', productionToken: 'helloflow-0-abcd' });

interface Member { path: string; mode: number; mtime: number; uid?: number; text: string }

function read(bytes: Buffer): Member[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-tarball-test-'));
  try {
    const file = path.join(dir, 'p.tgz');
    fs.writeFileSync(file, bytes);
    const members: Member[] = [];
    tar.t({
      file, sync: true,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => members.push({ path: entry.path, mode: entry.mode ?? -1, mtime: entry.mtime?.getTime() ?? -1, uid: entry.uid, text: Buffer.concat(chunks).toString('utf-8') }));
      },
    });
    return members;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('codePackageTarball: Metaflow\'s v0 code package', () => {
  let flowDir: string;
  beforeEach(() => {
    flowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-flow-'));
    fs.writeFileSync(path.join(flowDir, 'hello.py'), 'print("hello")\n');
    fs.mkdirSync(path.join(flowDir, 'lib', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(flowDir, 'lib', 'deep', 'b.py'), 'B = 2\n');
    fs.writeFileSync(path.join(flowDir, 'lib', 'a.py'), 'A = 1\n');
    fs.writeFileSync(path.join(flowDir, 'run.sh.py'), '#!/usr/bin/env python\n', { mode: 0o700 });
  });
  afterEach(() => fs.rmSync(flowDir, { recursive: true, force: true }));

  test('holds the package files at their archive paths and INFO at the root, sorted, with fixed times and no owner', () => {
    const members = read(codePackageTarball(codePackageFiles(flowDir), INFO).bytes);
    expect(members.map((m) => m.path)).toEqual(['INFO', 'hello.py', 'lib/a.py', 'lib/deep/b.py', 'run.sh.py']);
    expect(members.find((m) => m.path === 'lib/deep/b.py')!.text).toBe('B = 2\n');
    expect(new Set(members.map((m) => m.mtime))).toEqual(new Set([Date.parse('2000-01-01T00:00:00Z')]));
    expect(members.find((m) => m.path === 'hello.py')!.mode & 0o777).toBe(0o644);
    expect(members.find((m) => m.path === 'run.sh.py')!.mode & 0o777).toBe(0o755);
    expect(members.every((m) => !m.uid)).toBe(true);
  });

  test('INFO tells Metaflow\'s client the environment type and the flow file (its v0 layout), with static facts only', () => {
    const info = JSON.parse(read(codePackageTarball(codePackageFiles(flowDir), INFO).bytes).find((m) => m.path === 'INFO')!.text);
    expect(info).toEqual({
      environment_type: 'local', script: 'hello.py', metaflow_version: '2.19.38', runtime: 'step-functions',
      flow_name: 'HelloFlow', production_token: 'helloflow-0-abcd', use_r: false,
    });
  });

  test('Config values evaluated at synth travel as CONFIG in Metaflow\'s dump format; a value change is a new package', () => {
    const configs = { settings: { value: { mode: 'batch' }, plain: false }, label: { value: 'x', plain: true } };
    const tarball = codePackageTarball(codePackageFiles(flowDir), INFO, configs);
    const config = read(tarball.bytes).find((m) => m.path === 'CONFIG');
    expect(JSON.parse(config!.text)).toEqual({ user_configs: { settings: [{ mode: 'batch' }, false], label: ['x', true] } });
    expect(read(codePackageTarball(codePackageFiles(flowDir), INFO).bytes).map((m) => m.path)).not.toContain('CONFIG');
    expect(codePackageTarball(codePackageFiles(flowDir), INFO, { ...configs, label: { value: 'y', plain: true } }).sha).not.toBe(tarball.sha);
  });

  test('equal inputs give equal bytes (whatever the files\' times and the build), and the sha is the sha1 of those bytes', () => {
    const first = codePackageTarball(codePackageFiles(flowDir), INFO);
    fs.utimesSync(path.join(flowDir, 'hello.py'), new Date('2030-05-05'), new Date('2030-05-05'));
    fs.chmodSync(path.join(flowDir, 'lib', 'a.py'), 0o664);
    const second = codePackageTarball(codePackageFiles(flowDir), INFO);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(first.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(first.sha).toBe(createHash('sha1').update(first.bytes).digest('hex'));
    expect(first.bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
  });

  test('a changed file or a changed INFO fact gives another package', () => {
    const base = codePackageTarball(codePackageFiles(flowDir), INFO).sha;
    expect(codePackageTarball(codePackageFiles(flowDir), { ...INFO, production_token: 'other' }).sha).not.toBe(base);
    fs.appendFileSync(path.join(flowDir, 'lib', 'a.py'), '# changed\n');
    expect(codePackageTarball(codePackageFiles(flowDir), INFO).sha).not.toBe(base);
  });

  test('its content address is Metaflow\'s content-addressed-store key of the flow', () => {
    const sha = 'ab'.padEnd(40, '0');
    expect(contentAddressedUrl('s3://bucket/metaflow/', 'HelloFlow', sha)).toBe(`s3://bucket/metaflow/HelloFlow/data/ab/${sha}`);
  });
});
