/**
 * The example flows (examples/flows, as `addExampleFlows` adds them) and the runnable example documents
 * (examples/graphs with commands on every step) through the local engine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSummary, runMainJob } from '../../lib/local/main-job';
import { synthesizeExampleApp } from '../../lib/local/example-app';
import type { FlowDocument } from '../../lib/graph/model';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { failedTaskLog } from '../../lib/local/run/report';
import { REPO, run, synthesize } from './harness';

const GRAPHS = path.resolve(__dirname, '../../examples/graphs');

function onThisHost(executable: string): boolean {
  if (executable.includes('/')) return fs.existsSync(path.resolve(REPO, executable));
  return (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, executable)));
}

/**
 * Example documents whose every step has a command this host can run. The others show shapes (no commands)
 * or name programs of an image (`etl`) that is not here.
 */
function runnableDocuments(): FlowDocument[] {
  return fs
    .readdirSync(GRAPHS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(GRAPHS, f), 'utf8')) as FlowDocument)
    .filter((d) =>
      d.steps.every((s) => {
        const command = s.command ?? d.defaults?.command;
        return command !== undefined && command.length > 0 && onThisHost(command[0]);
      }),
    );
}

describe('example flows on the local engine', () => {
  let runRoot: string;
  let examples: LocalAssembly;
  let examplesOutdir: string;
  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-examples-'));
    examplesOutdir = synthesizeExampleApp();
    examples = LocalAssembly.fromDirectory(examplesOutdir);
  });
  afterAll(() => {
    fs.rmSync(runRoot, { recursive: true, force: true });
    fs.rmSync(examplesOutdir, { recursive: true, force: true });
  });

  test('NumbersFlow (branch + foreach + join) computes the sum of squares, mean and variance', async () => {
    const result = await run(examples, 'NumbersFlow', runRoot, { parameters: { count: 7 } });
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(readSummary(result)).toMatchObject({ count: 7, sumOfSquares: 140, mean: 4, variance: 4 });
    expect(result.stats.step('square')).toMatchObject({ succeeded: 7, failed: 0 });
  });

  test('NumbersFlow refuses a count that is no whole number of at least 1 in its start step, saying so', async () => {
    for (const count of [0, 2.5]) {
      const result = await run(examples, 'NumbersFlow', runRoot, { parameters: { count } });
      expect(result.status).toBe('FAILED');
      expect(fs.readFileSync(failedTaskLog(result.cause)!, 'utf8')).toContain(`start: count must be a whole number of at least 1, got ${count}`);
    }
  });

  test('GridFlow (a foreach whose body branches) runs every split', async () => {
    const result = await run(examples, 'GridFlow', runRoot);
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.step('left')).toMatchObject({ succeeded: 3, failed: 0 });
    expect(result.stats.step('right')).toMatchObject({ succeeded: 3, failed: 0 });
    // rows 1..3, each row 2r + 3r: 5 * (1 + 2 + 3)
    expect(readSummary(result)).toEqual({ total: 30 });
  });

  test('the runnable example documents succeed', async () => {
    const docs = runnableDocuments();
    expect(docs.map((d) => d.name)).toContain('HelloFlow');
    const { assembly } = synthesize(docs.map((flow) => ({ flow })));
    for (const flow of docs) {
      const result = await run(assembly, flow.name, runRoot);
      expect({ flow: flow.name, status: result.status, cause: result.cause }).toEqual({ flow: flow.name, status: 'SUCCEEDED', cause: undefined });
    }
  });

  test('the main job runs NumbersFlow and checks its result', async () => {
    let report = '';
    // the example app synthesized above: synthesizing it again would prove nothing more and cost seconds
    const code = await runMainJob({ outdir: examplesOutdir, runRoot, progress: false, count: 4, write: (t) => (report += t) });
    expect(report).not.toContain('synthesizing the example flows');
    expect(report).toContain('n=4, sum of squares=30, mean=2.5, variance=1.25 (matches');
    expect(code).toBe(0);
  });
});
