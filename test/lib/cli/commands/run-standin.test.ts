import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../../../constructs/compute/presets';
import { MetaflowFlow } from '../../../../constructs/flow';
import { MetaflowInfrastructure } from '../../../../constructs/infrastructure/metaflow-infrastructure';
import { captureCli } from '../capture';
import { METAFLOW_FIXTURES } from '../../../support/fixtures';

const REPO = path.resolve(__dirname, '../../../..');

const cli = (args: string[]) => captureCli(args);

/** Task records the stand-in wrote: `<records>/<flow>/<run>/<step>/<task>/task.json`. */
function recordedTasks(records: string): Array<{ step: string; task: { pathspec: string; inputs: string[]; split_index?: number } }> {
  const found: Array<{ step: string; task: { pathspec: string; inputs: string[]; split_index?: number } }> = [];
  for (const flow of fs.readdirSync(records)) {
    for (const run of fs.readdirSync(path.join(records, flow))) {
      for (const step of fs.readdirSync(path.join(records, flow, run))) {
        for (const task of fs.readdirSync(path.join(records, flow, run, step))) {
          found.push({ step, task: JSON.parse(fs.readFileSync(path.join(records, flow, run, step, task, 'task.json'), 'utf-8')) });
        }
      }
    }
  }
  return found;
}

describe('metaflow-cdk run --local --metaflow-standin', () => {
  let tmp: string;
  let cdkOut: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-cli-standin-'));
    cdkOut = path.join(tmp, 'cdk.out');
    const app = new App({ outdir: cdkOut });
    const stack = new Stack(app, 'Standin');
    // The README's Python example trains one model on the infrastructure's `gpu` queue (`@batch(queue="gpu")`).
    const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
      computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }), gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 16 }) },
      queues: [
        { name: 'cpu', priority: 2, computeEnvironments: ['spot'] },
        { name: 'gpu', priority: 1, computeEnvironments: ['gpu'] },
      ],
    });
    new MetaflowFlow(stack, 'Foreach', { infrastructure, pythonFlowFile: path.join(METAFLOW_FIXTURES, 'foreach_flow', 'flow.py'), image: 'python:3.11' });
    new MetaflowFlow(stack, 'Ranking', { infrastructure, pythonFlowFile: path.join(REPO, 'examples', 'python', 'ranking_flow.py'), image: 'python:3.11' });
    new MetaflowFlow(stack, 'Switch', { infrastructure, pythonFlowFile: path.join(METAFLOW_FIXTURES, 'switch_flow', 'flow.py'), image: 'python:3.11' });
    app.synth();
  }, 60_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('runs a Python flow end to end with the flow file taken from the staged code package', async () => {
    const runRoot = path.join(tmp, 'runs');
    const { code, stdout, stderr } = await cli(['run', '--local', 'ForeachAnchorFlow', '--cdk-out', cdkOut, '--run-root', runRoot, '--app', REPO, '--no-progress', '--metaflow-standin']);
    expect({ code, stderr: code === 0 ? '' : stderr + stdout }).toEqual({ code: 0, stderr: '' });
    const records = /its task records: (\S+)/.exec(stderr)?.[1];
    expect(records).toBeDefined();
    const tasks = recordedTasks(records!);
    const steps = new Set(tasks.map((t) => t.step));
    expect([...steps].sort()).toEqual(['_parameters', 'decorate', 'end', 'gather', 'start', 'upper']);
    const body = tasks.filter((t) => t.step === 'upper');
    expect(body.map((t) => t.task.split_index).sort()).toEqual([...Array(body.length).keys()]);
    expect(body.length).toBeGreaterThan(1);
    expect(tasks.find((t) => t.step === 'gather')!.task.inputs).toHaveLength(body.length);
  }, 120_000);

  test("the README's Python example runs end to end; a foreach over a computed list needs --foreach-width", async () => {
    const args = ['run', '--local', 'RankingFlow', '--cdk-out', cdkOut, '--run-root', path.join(tmp, 'ranking'), '--app', REPO, '--no-progress', '--metaflow-standin'];
    const { code, stdout, stderr } = await cli([...args, '--foreach-width', 'start=3']);
    expect({ code, stderr: code === 0 ? '' : stderr + stdout }).toEqual({ code: 0, stderr: '' });
    const tasks = recordedTasks(/its task records: (\S+)/.exec(stderr)![1]);
    expect(tasks.filter((t) => t.step === 'score').map((t) => t.task.split_index).sort()).toEqual([0, 1, 2]);
    expect(tasks.find((t) => t.step === 'pick')!.task.inputs.map((i) => i.split('/')[1]).sort()).toEqual(['train_large', 'train_small']);

    const without = await cli(args);
    expect(without.code).toBe(1);
    const log = /log: (\S+\.log)/.exec(without.stdout)![1];
    expect(fs.readFileSync(log, 'utf-8')).toMatch(/cannot tell the width of foreach start .*--foreach-width start=N/);
    expect((await cli([...args, '--foreach-width', 'start'])).stderr).toMatch(/--foreach-width expects STEP=N/);
    const typo = await cli([...args, '--foreach-width', 'strat=3']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: --foreach-width strat=\.\.\.: flow RankingFlow has no step strat \(did you mean start\?\)\. Its steps: start, .*\.\n$/);
    expect(typo.stderr).not.toContain('logs in');
    expect((await cli(['run', '--local', 'RankingFlow', '--cdk-out', cdkOut, '--foreach-width', 'start=3'])).stderr).toMatch(/only applies with --metaflow-standin/);
  }, 180_000);

  test('a switch whose condition is not a literal in the flow file takes the case --switch-case names, and fails the run without one', async () => {
    const args = ['run', '--local', 'SwitchFlow', '--cdk-out', cdkOut, '--app', REPO, '--no-progress', '--metaflow-standin'];
    const looped = await cli([...args, '--run-root', path.join(tmp, 'switch-runs'), '--switch-case', 'start=loop', '--switch-case', 'loop=no']);
    expect({ code: looped.code, stderr: looped.code === 0 ? '' : looped.stderr + looped.stdout }).toEqual({ code: 0, stderr: '' });
    const steps = recordedTasks(/its task records: (\S+)/.exec(looped.stderr)![1]).map((t) => t.step).sort();
    expect(steps).toEqual(['_parameters', 'after_loop', 'end', 'loop', 'start']);
    const unset = await cli([...args, '--run-root', path.join(tmp, 'switch-runs-unset')]);
    expect(unset.code).toBe(1);
    // the CLI prints the failed task's log tail
    expect(unset.stdout + unset.stderr).toMatch(/cannot tell which case switch start takes .*--switch-case start=<case>/);
    expect((await cli([...args, '--switch-case', 'start'])).stderr).toMatch(/--switch-case expects STEP=VALUE/);
    const typo = await cli([...args, '--switch-case', 'start=loop', '--switch-case', 'lop=no', '--switch-case', 'nowhere=x']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--switch-case lop=\.\.\.: flow SwitchFlow has no step lop \(did you mean loop\?\); --switch-case nowhere=\.\.\.: flow SwitchFlow has no step nowhere\. Its steps: /);
    expect((await cli(['run', '--local', 'SwitchFlow', '--cdk-out', cdkOut, '--switch-case', 'start=loop'])).stderr).toMatch(/--switch-case only applies with --metaflow-standin/);
  }, 180_000);

  test('a cloud assembly without the staged code package fails before any task and says how to fix it', async () => {
    const stripped = path.join(tmp, 'stripped.out');
    fs.cpSync(cdkOut, stripped, { recursive: true, filter: (source) => !path.basename(source).startsWith('asset.') });
    const { code, stdout, stderr } = await cli(['run', '--local', 'ForeachAnchorFlow', '--cdk-out', stripped, '--run-root', path.join(tmp, 'runs2'), '--app', REPO, '--no-progress', '--metaflow-standin']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/the asset for s3:\/\/\S+ is not staged at .*stripped\.out.*synthesize the app again/s);
    expect(stdout).not.toMatch(/SUCCEEDED|RUNNING/);
  }, 120_000);
});
