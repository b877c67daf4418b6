/**
 * Width 10,000 (Batch's largest array) through the CLI in its own process, as a user runs it. The body is `true`
 * so the test measures the engine, not the steps: about 2 ms per task on 2 cores, 17-20 s in all (docs/benchmarks.md).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { doc, REPO, step, STEP, synthesize } from './harness';

const WIDTH = 10_000;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'bin/metaflow-cdk.ts', ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe(`a foreach of width ${WIDTH}`, () => {
  let outdir: string;
  let runRoot: string;
  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-wide-'));
    outdir = synthesize([
      {
        flow: doc(
          'Wide',
          [
            step('start', ['body'], STEP('foreach'), { foreach: 'items' }),
            step('body', ['gather'], ['true']),
            step('gather', ['end'], ['true'], { join: true }),
            step('end', [], ['true']),
          ],
          { parameters: [{ name: 'width', type: 'number', default: 3 }], maxNumSplits: WIDTH, maxWorkers: 16 },
        ),
        props: { foreachStrategies: { start: 'array-job' } },
      },
    ]).outdir;
  });
  afterAll(() => {
    fs.rmSync(runRoot, { recursive: true, force: true });
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('runs every child of the array jobs through `metaflow-cdk run --local`', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await cli([
      'run', '--local', 'Wide', '--cdk-out', outdir, '--run-root', runRoot, '--param', `width=${WIDTH}`, '--max-workers', '16', '--no-progress',
    ]);
    const seconds = (Date.now() - started) / 1000;
    expect(stderr).not.toMatch(/^error/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^body\\s+${WIDTH}\\s+${WIDTH}\\s+0\\s+0`, 'm'));
    expect(stdout).toMatch(/^gather\s+1\s+1/m);
    process.stdout.write(`width ${WIDTH}: ${seconds.toFixed(1)} s, ${((seconds * 1000) / WIDTH).toFixed(2)} ms per task\n`);
  }, 300_000);
});
