import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { ValidationError } from '../../lib/errors';
import { captureCli } from '../lib/cli/capture';
import { describeWithRealMetaflow, type RealMetaflow } from '../support/real-metaflow';
import { engineRunArtifacts, metaflowEnv, realRunArgs, referenceRun, runIdOf, synthesizeFlows, synthesizedDefinition } from './support/metaflow-runs';

// A flow with Configs (one read from settings.json beside it), decorator arguments and a parameter default that read
// them, a parameter function, and IncludeFiles (text and bytes): `deployTimeEvaluation` has the real Metaflow evaluate them at synth, as
// `step-functions create` does, and the run with the real Metaflow in every task ends with the same artifacts as
// `python flow.py run`.

const FLOW_DIR = path.join(__dirname, 'flows', 'config_flow');
const FLOW_FILE = path.join(FLOW_DIR, 'flow.py');
const FLOW = 'DeployTimeConfigFlow';

const evaluation = (real: RealMetaflow, extra: Record<string, string> = {}) => ({ python: real.python, environment: metaflowEnv(real, extra) });

function synthesizeOne(real: RealMetaflow, file: string, extra: Record<string, unknown> = {}): void {
  const stack = new Stack(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-deploy-time-synth-')) }), 'DeployTime');
  const infrastructure = new MetaflowInfrastructure(stack, 'Infra', { computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand({ maxVcpus: 4 }) }, queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['cpu'] }] });
  new MetaflowFlow(stack, 'Flow', { infrastructure, pythonFlowFile: file, image: 'python:3.11', metaflow: { deployTimeEvaluation: evaluation(real), ...extra } });
}

function problemsOf(action: () => void): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.where} ${p.field}: ${p.message} | ${p.fix}`).join('\n');
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describeWithRealMetaflow('deploy-time values evaluated by the real Metaflow at synth', (real) => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-deploy-time-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('Configs, config_expr arguments, a parameter function and IncludeFiles deploy, and the run equals python flow.py run', async () => {
    const cdkOut = path.join(work, 'cdk.out');
    synthesizeFlows(cdkOut, [FLOW_FILE], { deployTimeEvaluation: evaluation(real()) });
    // evaluated at synth: the @retry count (1 + 2 attempts), a parameter default, the @environment value, and the
    // tasks' pointer to the packaged configs
    const definition = synthesizedDefinition(cdkOut);
    expect(definition).toMatch(/RetryStrategy[^}]*Attempts[^0-9]*3,/);
    expect(definition).toMatch(/"width[^0-9]*3[,}]/);
    const template = fs.readFileSync(path.join(cdkOut, 'RealMetaflow.template.json'), 'utf8');
    expect(template).toContain('batch-scoring');
    expect(template).toContain('METAFLOW_FLOW_CONFIG_VALUE');
    expect(template).toContain('--config-value settings kv.settings');

    const runRoot = path.join(work, 'runs');
    const [engine, reference] = await Promise.all([
      captureCli(realRunArgs(real(), FLOW, cdkOut, runRoot)),
      referenceRun(real(), FLOW_FILE, FLOW, [], work, ['settings.json', 'notes.txt']),
    ]);
    expect({ code: engine.code, out: engine.code === 0 ? '' : engine.stdout + engine.stderr }).toEqual({ code: 0, out: '' });
    const ours = await engineRunArtifacts(real(), runRoot, FLOW, runIdOf(engine.stdout)!);
    expect(ours.artifacts).toEqual(reference.artifacts);
    expect(ours.artifacts.greeting).toBe("'hello from settings.json'");
    expect(ours.artifacts.project).toBe("'deploy_time_demo'");
    expect(ours.artifacts.stamp_seen).toBe("'DeployTimeConfigFlow:tester'");
    expect(ours.artifacts.total).toBe('3');
    expect(ours.artifacts.notes_seen).toBe("'Notes included at deploy time: café 年\\n'");
    expect(ours.artifacts.raw_notes_seen).toMatch(/^b'Notes included at deploy time: caf\\xc3\\xa9 /);
    expect(ours.artifacts.absent_seen).toBe('None');
  }, 900_000);

  test('validate --evaluate-with reads the flow with its evaluated values', async () => {
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = real().metaflowSrc;
    try {
      const result = await captureCli(['validate', FLOW_FILE, '--evaluate-with', real().python]);
      expect(result).toMatchObject({ code: 0, stdout: 'flow "DeployTimeConfigFlow" is valid: 2 steps, 5 parameters\n' });
      const graph = await captureCli(['graph', FLOW_FILE, '--json', '--evaluate-with', real().python]);
      expect(JSON.parse(graph.stdout).runtime.configs.settings.value.mode).toBe('batch-scoring');
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  }, 300_000);

  test('a deployer without a user name Metaflow accepts (none, or root) evaluates as the login name or metaflow-cdk', () => {
    const cdkOut = path.join(work, 'cdk.out.rootless');
    const noUser = { METAFLOW_USER: '', SUDO_USER: '', USERNAME: 'root', USER: 'root' };
    synthesizeFlows(cdkOut, [FLOW_FILE], { deployTimeEvaluation: evaluation(real(), noUser) });
    const login = os.userInfo().username;
    expect(synthesizedDefinition(cdkOut)).toContain(`DeployTimeConfigFlow:${login && login !== 'root' ? login : 'metaflow-cdk'}`);
  }, 300_000);

  test('a config given to the evaluation overrides the default, as --config-value does', () => {
    const cdkOut = path.join(work, 'cdk.out.override');
    synthesizeFlows(cdkOut, [FLOW_FILE], { deployTimeEvaluation: { ...evaluation(real()), configValues: { limits: { retries: 4, batch: 5 } } } });
    const definition = synthesizedDefinition(cdkOut);
    expect(definition).toMatch(/RetryStrategy[^}]*Attempts[^0-9]*5,/);
    expect(definition).toMatch(/"width[^0-9]*5[,}]/);
  }, 300_000);

  test('a flow with a written @batch evaluates too: Metaflow\'s @batch needs the S3 datastore a deployed flow runs with', () => {
    const dir = fs.mkdtempSync(path.join(work, 'batch-'));
    const file = path.join(dir, 'flow.py');
    fs.writeFileSync(file, [
      'from metaflow import Config, FlowSpec, batch, config_expr, retry, step',
      'class BatchConfigFlow(FlowSpec):',
      '    limits = Config("limits", default_value={"retries": 2})',
      '    @batch(cpu=2, memory=2048)',
      '    @retry(times=config_expr("limits.retries"))',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    BatchConfigFlow()',
    ].join('\n'));
    const stack = new Stack(new App({ outdir: path.join(dir, 'cdk.out') }), 'DeployTimeBatch');
    const infrastructure = new MetaflowInfrastructure(stack, 'Infra', { computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand({ maxVcpus: 4 }) }, queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['cpu'] }] });
    const flow = new MetaflowFlow(stack, 'Flow', { infrastructure, pythonFlowFile: file, image: 'python:3.11', metaflow: { deployTimeEvaluation: evaluation(real()) } });
    const start = flow.plan.graph.nodes.get('start')!.step;
    expect([start.cpu, start.memory, start.retry?.times]).toEqual([2, 2048, 2]);
  }, 120_000);

  test('without deployTimeEvaluation the file is refused, each value with its line and the fix', () => {
    const problems = problemsOf(() => synthesizeOne(real(), FLOW_FILE, { deployTimeEvaluation: undefined }));
    expect(problems).toMatch(/flow\.py:14 settings = Config\(\.\.\.\): Config is evaluated when Metaflow deploys.*deployTimeEvaluation/);
    expect(problems).toMatch(/flow\.py:16 Parameter\("stamp", default=\.\.\.\): the default is not a literal/);
    expect(problems).toMatch(/flow\.py:18 notes = IncludeFile\(\.\.\.\): IncludeFile is read from the deployer's disk .*deployTimeEvaluation/);
  });

  test('a config file that is missing fails synth with Metaflow\'s own words', () => {
    const dir = fs.mkdtempSync(path.join(work, 'no-settings-'));
    fs.copyFileSync(FLOW_FILE, path.join(dir, 'flow.py'));
    const problems = problemsOf(() => synthesizeOne(real(), path.join(dir, 'flow.py')));
    expect(problems).toMatch(/evaluation: Metaflow could not evaluate the flow: .*settings\.json/);
    expect(problems).toContain('show');
  });

  test('an included file that is missing fails synth with Metaflow\'s own words', () => {
    const dir = fs.mkdtempSync(path.join(work, 'no-notes-'));
    for (const name of ['flow.py', 'settings.json']) fs.copyFileSync(path.join(FLOW_DIR, name), path.join(dir, name));
    const problems = problemsOf(() => synthesizeOne(real(), path.join(dir, 'flow.py')));
    expect(problems).toMatch(/Metaflow could not evaluate the flow: .*could not open file 'notes\.txt'/);
  });

  test('an interpreter without Metaflow is named with the fix', () => {
    const problems = problemsOf(() => synthesizeOne(real(), FLOW_FILE, { deployTimeEvaluation: { python: real().python, environment: { PYTHONPATH: '', METAFLOW_HOME: work } } }));
    expect(problems).toMatch(/python: cannot import Metaflow .*\| point deployTimeEvaluation\.python \(CLI: --evaluate-with\) at an interpreter/);
  });
});
