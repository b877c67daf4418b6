import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipDirectory } from '../../../../lib/local/services/zip';

describe('zipDirectory', () => {
  test("Python's zipfile (what the job script unpacks with) reads back every file and its content", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-zip-'));
    try {
      fs.mkdirSync(path.join(dir, 'src', 'pkg'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'flow.py'), 'print("hi")\n'.repeat(200));
      fs.writeFileSync(path.join(dir, 'src', 'pkg', 'mod.py'), 'x = 1\n');
      fs.writeFileSync(path.join(dir, 'empty.py'), '');
      const archive = path.join(dir, '..', `${path.basename(dir)}.zip`);
      fs.writeFileSync(archive, zipDirectory(dir));
      const read = spawnSync('python3', ['-c', 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', archive], { encoding: 'utf8' });
      fs.rmSync(archive);
      expect(read.stderr).toBe('');
      expect(JSON.parse(read.stdout)).toEqual({ 'empty.py': '', 'flow.py': 'print("hi")\n'.repeat(200), 'src/pkg/mod.py': 'x = 1\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same content gives the same bytes, whatever the files\' times', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-zip-'));
    try {
      fs.writeFileSync(path.join(dir, 'flow.py'), 'x = 1\n');
      const first = zipDirectory(dir);
      fs.utimesSync(path.join(dir, 'flow.py'), new Date(2020, 1, 1), new Date(2020, 1, 1));
      expect(zipDirectory(dir).equals(first)).toBe(true);
      fs.writeFileSync(path.join(dir, 'flow.py'), 'x = 2\n');
      expect(zipDirectory(dir).equals(first)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
