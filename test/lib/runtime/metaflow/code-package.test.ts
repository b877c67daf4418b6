import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codePackageFiles, codePackageHash } from '../../../../lib/runtime/metaflow/code-package';

function tree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

describe('codePackageFiles', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-pkg-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("takes Metaflow's suffixes outside hidden folders, and leaves out dependencies and cloud assemblies whatever their name", () => {
    tree(root, {
      'flow.py': 'x',
      'helpers/util.py': 'x',
      'model.R': 'x',
      'weights.RDS': 'x',
      'UPPER.PY': 'x',
      'data.csv': 'x',
      'README.md': 'x',
      '.py': 'x', // a dot-file equal to a suffix is packaged, as by Metaflow
      '.hidden/secret.py': 'x',
      '.git/hooks/x.py': 'x',
      '.local-runs/Flow/run/work/flow.py': 'x',
      'node_modules/pkg/setup.py': 'x',
      'helpers/__pycache__/util.cpython-311.pyc': 'x',
      'cdk.out/asset.1/flow.py': 'x',
      'my-output/manifest.json': '{}',
      'my-output/cdk.out': '{"version":"1"}',
      'my-output/asset.2/flow.py': 'x',
    });
    expect(codePackageFiles(root).map((f) => f.archivePath)).toEqual(['.py', 'UPPER.PY', 'flow.py', 'helpers/util.py', 'model.R', 'weights.RDS']);
  });

  test('adds the suffixes the user gives and leaves out the assembly being written (it has no marker yet)', () => {
    tree(root, { 'flow.py': 'x', 'query.sql': 'x', 'out/asset.3/flow.py': 'x' });
    expect(codePackageFiles(root, { suffixes: ['.sql'], excludeDirs: [path.join(root, 'out')] }).map((f) => f.archivePath)).toEqual(['flow.py', 'query.sql']);
  });

  test('follows a symbolic link once and never loops', () => {
    tree(root, { 'flow.py': 'x', 'lib/mod.py': 'x' });
    fs.symlinkSync(root, path.join(root, 'lib', 'back'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling.py'));
    expect(codePackageFiles(root).map((f) => f.archivePath)).toEqual(['flow.py', 'lib/mod.py']);
  });

  test('the hash follows content and paths, not where the directory is', () => {
    tree(root, { 'flow.py': 'a' });
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-pkg-'));
    try {
      tree(other, { 'flow.py': 'a' });
      expect(codePackageHash(codePackageFiles(other))).toBe(codePackageHash(codePackageFiles(root)));
      fs.writeFileSync(path.join(other, 'flow.py'), 'b');
      expect(codePackageHash(codePackageFiles(other))).not.toBe(codePackageHash(codePackageFiles(root)));
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
