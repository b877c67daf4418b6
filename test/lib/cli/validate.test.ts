import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../../lib/cli/program';

/** Runs the CLI with stdout and stderr captured. */
async function runCaptured(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await runCli(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const EXAMPLES = path.join(__dirname, '../../../examples/graphs');

describe('metaflow-cdk validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  it('prints a one-line summary and exits 0 for a valid flow', async () => {
    const { code, stdout, stderr } = await runCaptured(['validate', path.join(EXAMPLES, 'scheduled-etl.json')]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe('flow "NightlyEtlFlow" is valid: 5 steps, 1 foreach, 1 join, 4 parameters, schedule cron(30 2 * * ? *) Europe/Berlin, 1 S3 trigger\n');
  });

  it('counts branches in the summary', async () => {
    const { stdout } = await runCaptured(['validate', path.join(EXAMPLES, 'nested-foreach.json')]);
    expect(stdout).toBe('flow "GridFlow" is valid: 9 steps, 1 branch, 2 foreaches, 3 joins\n');
  });

  it('prints every problem and exits 1', async () => {
    const file = write('broken.json', {
      version: 1,
      name: 'Broken',
      schedule: { cron: '0 12 * * *' },
      steps: [{ name: 'start', next: ['Work'], retry: { times: 6 } }, { name: 'Work', next: ['end'] }, { name: 'end' }],
    });
    const { code, stdout, stderr } = await runCaptured(['validate', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe('error: 3 problem(s):');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- flow "Broken" step "Work": name = "Work": step Work has an invalid name.*Fix: rename it, e\.g\. "work"$/),
      expect.stringMatching(/^ {2}- flow "Broken" step "start": retry\.times = 6: must be a whole number from 0 to 4\. Fix: /),
      expect.stringMatching(/^ {2}- flow "Broken" schedule: cron = "0 12 \* \* \*": .*6 fields/),
    ]);
  });

  it('reports unknown fields and invalid JSON without a stack trace', async () => {
    const shape = await runCaptured(['validate', write('shape.json', { version: 1, name: 'F', steps: [{ name: 'start', next: [], memroy: 1 }] })]);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain('memroy = 1: unknown field. Fix: did you mean "memory"?');
    const json = await runCaptured(['validate', write('bad.json', '{"version": 1,')]);
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/bad\.json: \(file\) = .*is not valid JSON/);
    expect(json.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing file clearly and exits 1', async () => {
    const { code, stderr } = await runCaptured(['validate', path.join(dir, 'missing.json')]);
    expect(code).toBe(1);
    expect(stderr).toBe(`error: cannot read ${path.join(dir, 'missing.json')}: no such file\n`);
  });

  it('needs the file argument', async () => {
    const { code, stderr } = await runCaptured(['validate']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/missing required argument 'file'/);
  });
});
