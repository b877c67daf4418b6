import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { metaflowStandin, STANDIN_SWITCH_CASES_ENV } from '../../lib/local/batch/command-hook';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { METAFLOW_FIXTURES } from '../support/fixtures';
import { e2eInfrastructure } from '../support/metaflow-e2e';
import { REPO } from './harness';

// SwitchFlow (test/fixtures/metaflow/switch_flow) synthesized by MetaflowFlow and run through the local engine with
// the protocol stand-in as every step: the switch tasks' choices reach the state machine through the local DynamoDB,
// and each step gets the parents the chosen steps make. Its runs with the real Metaflow: test/real/run-local-flows.

interface TaskRecord { pathspec: string; inputs: string[]; split_index?: number; transition?: [string[], null] }

const CODE_DIR = path.join(METAFLOW_FIXTURES, 'switch_flow');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-switch-'));
let assembly: LocalAssembly;

beforeAll(() => {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Switch');
  new MetaflowFlow(stack, 'SwitchFlow', { infrastructure: e2eInfrastructure(stack), pythonFlowFile: path.join(CODE_DIR, 'flow.py'), image: 'python:3.11' });
  app.synth();
  assembly = LocalAssembly.fromDirectory(outdir);
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** One run with the stand-in picking `cases` (switch step: case value) where the flow file sets no literal. */
async function run(name: string, cases: Record<string, string>): Promise<{ result: LocalRunResult; tasks: (step: string) => TaskRecord[] }> {
  const datastore = path.join(work, name, 'datastore');
  const result = await runLocalFlow({
    assembly,
    flow: 'SwitchFlow',
    cwd: REPO,
    runRoot: path.join(work, name, 'runs'),
    maxWorkers: 4,
    user: 'e2e',
    commandFor: metaflowStandin({ codeDir: CODE_DIR, datastoreDir: datastore, env: { [STANDIN_SWITCH_CASES_ENV]: JSON.stringify(cases) } }),
  });
  const runDir = path.join(datastore, 'SwitchFlow', result.runId);
  const tasks = (step: string): TaskRecord[] =>
    fs.existsSync(path.join(runDir, step))
      ? fs.readdirSync(path.join(runDir, step)).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8')) as TaskRecord)
      : [];
  return { result, tasks };
}

const stepOf = (input: string): string => input.split('/')[1];
const succeeded = (result: LocalRunResult) => ({ status: result.status, error: result.error, cause: result.cause });

test('the branch path: each switch runs only its chosen step, and every join and meeting step gets the tasks that ran', async () => {
  const { result, tasks } = await run('branch', { start: 'branch', item: 'even' });
  expect(succeeded(result)).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  const ran = Object.fromEntries(['start', 'fan', 'left', 'left_a', 'left_b', 'right', 'fan_join', 'each_start', 'item', 'odd', 'even', 'each_join', 'loop', 'after_loop', 'end'].map((s) => [s, tasks(s).length]));
  // left sets self.side = "a" in the flow file: the stand-in takes that case.
  expect(ran).toEqual({ start: 1, fan: 1, left: 1, left_a: 1, left_b: 0, right: 1, fan_join: 1, each_start: 1, item: 5, odd: 0, even: 5, each_join: 1, loop: 0, after_loop: 0, end: 1 });
  expect(tasks('start')[0].transition).toEqual([['fan'], null]);
  expect(tasks('fan_join')[0].inputs.map(stepOf)).toEqual(['left_a', 'right']);
  // The foreach join gets the 5 even tasks in split order, each named by its step.
  const join = tasks('each_join')[0];
  const evens = new Map(tasks('even').map((t) => [t.pathspec.split('/').slice(1).join('/'), t.split_index]));
  expect(join.inputs.map((i) => evens.get(i))).toEqual([0, 1, 2, 3, 4]);
  expect(tasks('end')[0].inputs.map(stepOf)).toEqual(['each_join']);
}, 300_000);

test('the loop path: the recursive switch exits on its chosen case and end takes after_loop as its parent', async () => {
  const { result, tasks } = await run('loop', { start: 'loop', loop: 'no' });
  expect(succeeded(result)).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  expect(tasks('fan')).toHaveLength(0);
  expect(tasks('loop').map((t) => t.inputs.map(stepOf))).toEqual([['start']]);
  expect(tasks('after_loop')[0].inputs.map(stepOf)).toEqual(['loop']);
  expect(tasks('end')[0].inputs.map(stepOf)).toEqual(['after_loop']);
}, 300_000);

test('a switch whose condition the flow file does not set to a literal fails the run, saying how to pick its case', async () => {
  const { result } = await run('unknown', {});
  expect(result.status).toBe('FAILED');
  const log = fs.readdirSync(path.join(result.logsDir, 'start')).map((f) => fs.readFileSync(path.join(result.logsDir, 'start', f), 'utf-8')).join('\n');
  expect(log).toContain('cannot tell which case switch start takes (self.route is not set to a literal in the flow file)');
}, 300_000);
