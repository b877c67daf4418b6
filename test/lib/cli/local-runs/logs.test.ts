import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { forEachNewLine } from '../../../../lib/cli/local-runs/logs';
import { logTail } from '../../../../lib/local/run/report';

describe('reading large task logs a piece at a time', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-log-read-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every line of a log past one chunk, multi-byte characters across chunk borders kept whole', () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} ${'é€'.repeat(i % 17)}`);
    const file = path.join(dir, 'big.log');
    fs.writeFileSync(file, `${lines.join('\n')}\npartial`);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    const seen: string[] = [];
    const next = forEachNewLine(file, 0, false, (line) => seen.push(line));
    expect(seen).toEqual(lines);
    // the unfinished line waits, then comes once the run has ended
    expect(next).toBe(fs.statSync(file).size - 'partial'.length);
    const rest: string[] = [];
    expect(forEachNewLine(file, next, true, (line) => rest.push(line))).toBe(fs.statSync(file).size);
    expect(rest).toEqual(['partial']);
  });

  test("a log's tail is read from its end, without the runner's header lines", () => {
    const file = path.join(dir, 'tail.log');
    fs.writeFileSync(file, `# header\n${Array.from({ length: 20_000 }, (_, i) => `out ${i}`).join('\n')}\n`);
    expect(logTail(file, 3)).toEqual(['out 19997', 'out 19998', 'out 19999']);
    fs.writeFileSync(file, '# header\nonly\n');
    expect(logTail(file)).toEqual(['only']);
  });
});
