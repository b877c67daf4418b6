import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from '../../../../lib/cli/cli-error';
import { fileErrorReason, readTextFile, writeTextFile } from '../../../../lib/cli/output/files';

describe('file helpers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-files-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads and writes text', () => {
    const file = path.join(dir, 'a.txt');
    writeTextFile('--output', file, 'hello');
    expect(readTextFile(file)).toBe('hello');
  });

  test('read failures are CliErrors with the reason in words', () => {
    expect(() => readTextFile(path.join(dir, 'missing'))).toThrow(new CliError(`cannot read ${path.join(dir, 'missing')}: no such file or directory`));
    expect(() => readTextFile(dir)).toThrow(/: is a directory$/);
  });

  test('write failures name the option, the file and the way out, after the context', () => {
    const file = path.join(dir, 'no', 'b.txt');
    expect(() => writeTextFile('--output', file, 'x', 'ran, but ')).toThrow(
      new CliError(`ran, but cannot write --output ${file}: no such file or directory. Create its directory or choose another path.`),
    );
  });

  test('reasons for the errno codes a person can act on; anything else keeps its message', () => {
    const errno = (code: string) => Object.assign(new Error(`raw ${code}`), { code });
    expect(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS'].map((code) => fileErrorReason(errno(code)))).toEqual([
      'no such file or directory', 'is a directory', 'a part of the path is not a directory', 'permission denied', 'permission denied', 'read-only file system',
    ]);
    expect(fileErrorReason(errno('EIO'))).toBe('raw EIO');
    expect(fileErrorReason('text')).toBe('text');
  });
});
