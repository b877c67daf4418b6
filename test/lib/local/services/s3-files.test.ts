import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { localObjectPath, readLocalJson } from '../../../../lib/local/services/s3-files';

describe('local S3 files', () => {
  test('reads a JSON object from whichever bucket holds the key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-s3f-'));
    const file = localObjectPath(dir, 'b2', 'a/b.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.mkdirSync(path.join(dir, 'b1'));
    fs.writeFileSync(file, '{"x":1}');
    expect(readLocalJson(dir, 'a/b.json')).toEqual({ x: 1 });
    expect(readLocalJson(dir, 'a/c.json')).toBeUndefined();
    expect(readLocalJson(path.join(dir, 'none'), 'a/b.json')).toBeUndefined();
    fs.rmSync(dir, { recursive: true });
  });
});
