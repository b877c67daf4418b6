import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../capture';
import { faultFlowTemplates, happyFlowTemplate } from '../../local/fixtures/flows';
import { survivors, waitForLines } from '../../local/fixtures/processes';

const REPO = path.resolve(__dirname, '../../../..');

// `runs`, `status` and `logs` with --local read what `run --local` recorded in its run folders.
describe('runs, status and logs of local runs', () => {
  let tmp: string;
  let cdkOut: string;
  let runRoot: string;
  let out: string;
  const ids: Record<string, string> = {};
  const cwd = process.cwd();
  const local = (...args: string[]) => captureCli([...args, '--local', '--run-root', runRoot]);

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-cli-local-runs-'));
    cdkOut = path.join(tmp, 'cdk.out');
    runRoot = path.join(tmp, 'runs');
    out = path.join(tmp, 'out');
    fs.mkdirSync(cdkOut);
    fs.mkdirSync(out);
    const faults = faultFlowTemplates(out);
    fs.writeFileSync(path.join(cdkOut, 'Happy.template.json'), JSON.stringify(happyFlowTemplate(out)));
    for (const flow of ['Retry', 'ExitRule']) fs.writeFileSync(path.join(cdkOut, `${flow}.template.json`), JSON.stringify(faults[flow]));
    process.chdir(REPO);
    for (const [flow, params] of [['Retry', []], ['ExitRule', []], ['HappyFlow', ['--param', 'alpha=2']]] as const) {
      const run = await captureCli(['run', '--local', flow, '--cdk-out', cdkOut, '--run-root', runRoot, '--no-progress', ...params]);
      ids[flow] = /^run (sfn-\S+) of/m.exec(run.stdout)![1];
    }
  }, 120_000);
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** `run --local` of a flow whose 4 tasks sleep, in a process of its own, once its tasks have started. */
  async function startInterruptRun(name: string): Promise<{ runId: string; exited: Promise<number | null>; pidsFile: string }> {
    const out = path.join(tmp, `${name}-out`);
    const assembly = path.join(tmp, `${name}.cdk.out`);
    fs.mkdirSync(out);
    fs.mkdirSync(assembly);
    fs.writeFileSync(path.join(assembly, 'Interrupt.template.json'), JSON.stringify(faultFlowTemplates(out).Interrupt));
    const child = spawn(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'bin/metaflow-cdk.ts', 'run', '--local', 'Interrupt', '--cdk-out', assembly, '--run-root', runRoot, '--no-progress'], { cwd: REPO });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pidsFile = path.join(out, 'pids');
    await waitForLines(pidsFile, 8);
    return { runId: /^run (sfn-\S+) of Interrupt/m.exec(stderr)![1], exited, pidsFile };
  }

  test('runs lists every flow\'s runs newest first, and one flow\'s with a status filter', async () => {
    const all = await local('runs');
    expect(all.code).toBe(0);
    const rows = all.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[1], row[2]])).toEqual([
      [ids.HappyFlow, 'HappyFlow', 'SUCCEEDED'],
      [ids.ExitRule, 'ExitRule', 'FAILED'],
      [ids.Retry, 'Retry', 'SUCCEEDED'],
    ]);
    const failed = await local('runs', 'Retry', '--status', 'failed', '--json');
    expect(JSON.parse(failed.stdout)).toEqual({ runRoot, flow: 'Retry', runs: [] });
    const retry = JSON.parse((await local('runs', 'Retry', '--json')).stdout);
    expect(retry.runs).toEqual([
      expect.objectContaining({ runId: ids.Retry, flow: 'Retry', status: 'SUCCEEDED', runDir: path.join(runRoot, 'Retry', ids.Retry), durationSeconds: expect.any(Number) }),
    ]);
  });

  test('status shows the outcome, the cause of a failure and per-step task counts, as the run ended', async () => {
    const failed = await local('status', ids.ExitRule);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(new RegExp(`^Run ${ids.ExitRule} of flow ExitRule \\(local\\): FAILED, started `));
    expect(failed.stdout).toMatch(/error: States\.TaskFailed: job Step: Essential container in task exited \(exit code 3\); log: .+attempt1\.log/);
    expect(failed.stdout).toMatch(/^step\s+-\s+FAILED\s+1 FAILED\s+0\s/m);

    const retried = JSON.parse((await local('status', ids.Retry, '--json')).stdout);
    expect(retried).toMatchObject({ status: 'SUCCEEDED', error: null, user: expect.any(String), parameters: {} });
    expect(retried.steps).toEqual([
      expect.objectContaining({ step: 'step', status: 'SUCCEEDED', tasks: { running: 0, succeeded: 1, failed: 0, stopped: 0, retried: 2 } }),
    ]);

    const happy = JSON.parse((await local('status', ids.HappyFlow.slice(0, 12), '--json')).stdout);
    expect(happy).toMatchObject({ runId: ids.HappyFlow, parameters: { alpha: 2 } });
    expect(Object.fromEntries(happy.steps.map((s: { step: string; tasks: { succeeded: number } }) => [s.step, s.tasks.succeeded]))).toEqual({ start: 1, body: 3, item: 3, join: 1 });
  });

  test('logs prints each attempt of a retried task, one array child by index, and JSON lines', async () => {
    const retry = await local('logs', `${ids.Retry}/step`);
    expect(retry.code).toBe(0);
    expect(retry.stdout.split('\n').filter((line) => line.startsWith('attempt '))).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    expect(retry.stderr.match(/^--- step\/\S+ attempt \d ---$/gm)).toHaveLength(3);

    fs.rmSync(path.join(out, 'body-1'), { force: true });
    const body = await local('logs', `${ids.HappyFlow}/body`);
    const tasks = new Set(body.stdout.split('\n').filter(Boolean).map((line) => /^\[body\/([^\]]+)\]/.exec(line)?.[1]));
    expect([...tasks].map((task) => task?.replace(/^[0-9a-f-]{36}/, 'JOB'))).toEqual(['JOB:0', 'JOB:1', 'JOB:2']);
    const one = await local('logs', `${ids.HappyFlow}/body/1`);
    expect(one.stdout).toMatch(/^# body job \S+:1 attempt 1/);
    expect(one.stdout).not.toMatch(/^\[body/m);

    const json = JSON.parse((await local('logs', `${ids.Retry}/step`, '--json')).stdout);
    expect(json.lines.filter((l: { message: string }) => l.message.startsWith('attempt ')).map((l: { attempt: number }) => l.attempt)).toEqual([1, 2, 3]);
  });

  test('bad input: an unknown run, an unknown step, no run root, AWS-only flags', async () => {
    const unknown = await local('status', 'sfn-nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no local run "sfn-nope" under ${runRoot}. The newest: ${ids.HappyFlow} (HappyFlow, SUCCEEDED)`);
    const ambiguous = await local('status', 'sfn-');
    expect(ambiguous.stderr).toMatch(/"sfn-" names 3 local runs under .+ Give more of the run id, or --flow\./);
    const step = await local('logs', `${ids.Retry}/nope`);
    expect(step).toMatchObject({ code: 1, stderr: 'error: flow Retry has no step "nope"; its steps: step\n' });
    const noTask = await local('logs', `${ids.Retry}/step/7`);
    expect(noTask.stderr).toContain(`no task logs for ${ids.Retry}/step/7`);
    const noRoot = await captureCli(['runs', '--local', '--run-root', path.join(tmp, 'nowhere')]);
    expect(noRoot).toMatchObject({ code: 1, stderr: expect.stringContaining(`no local runs: ${path.join(tmp, 'nowhere')} does not exist. Start one with \`metaflow-cdk run --local FLOW\``) });
    const region = await local('runs', 'Retry', '--region', 'eu-west-1');
    expect(region).toMatchObject({ code: 2, stderr: expect.stringContaining('--region applies to runs on AWS, not to --local runs: drop it') });
    const rootWithoutLocal = await captureCli(['runs', 'Retry', '--run-root', runRoot]);
    expect(rootWithoutLocal).toMatchObject({ code: 2, stderr: expect.stringContaining('--run-root chooses where local runs are: add --local, or drop it to read runs on AWS') });
    const typo = await local('runs', 'Retyr');
    expect(typo).toMatchObject({ code: 0, stdout: '' });
    expect(typo.stderr).toContain(`No local runs of Retyr under ${runRoot} (it has runs of ExitRule, HappyFlow, Retry). Start one with: metaflow-cdk run --local Retyr`);
    const noFlow = await captureCli(['runs']);
    expect(noFlow).toMatchObject({ code: 2, stderr: expect.stringContaining('runs needs a flow name') });
  });

  test('a run folder without a record is counted, not listed', async () => {
    const old = path.join(runRoot, 'Retry', 'sfn-made-by-0.1.0');
    fs.mkdirSync(path.join(old, 'logs'), { recursive: true });
    const listed = await local('runs', 'Retry');
    expect(listed.stdout).not.toContain('sfn-made-by-0.1.0');
    expect(listed.stderr).toContain('1 run folder(s) under');
    fs.rmSync(old, { recursive: true });
  });

  test('a running run is RUNNING, its logs follow until it ends; killed with SIGKILL it reads as ABORTED', async () => {
    const { runId, exited, pidsFile } = await startInterruptRun('sigkill');
    // the record is rewritten at most every second while tasks change
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const running = JSON.parse((await local('status', runId, '--json')).stdout);
    expect(running).toMatchObject({ status: 'RUNNING', stopDate: null });
    expect(running.steps).toEqual([expect.objectContaining({ step: 'step', status: 'RUNNING', tasks: expect.objectContaining({ running: 4 }) })]);

    const following = local('logs', `${runId}/step`, '--follow');
    // the process running the engine (tsx starts it as its child), killed before it can record an outcome
    const engine = JSON.parse(fs.readFileSync(path.join(runRoot, 'Interrupt', runId, 'run.json'), 'utf8')).process.pid as number;
    process.kill(engine, 'SIGKILL');
    await exited;
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stderr).toContain(`Run ${runId} has ended; 4 task(s) of step printed above.`);

    const status = await local('status', runId);
    expect(status.stdout).toMatch(new RegExp(`^Run ${runId} of flow Interrupt \\(local\\): ABORTED`));
    expect(status.stdout).toMatch(/process \d+ that ran it ended without recording an outcome/);
    expect(status.stdout).toMatch(/^step\s+-\s+STOPPED\s+4 STOPPED/m);
    // the engine was killed without a chance to end its tasks: end them here
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    expect(await survivors(pids)).toEqual([]);
  }, 60_000);

  test('terminate --local stops a running run as Ctrl-C does: every task ended, ABORTED recorded', async () => {
    const { runId, exited, pidsFile } = await startInterruptRun('terminate');
    const stopped = await local('terminate', runId);
    expect(stopped).toMatchObject({ code: 0, stdout: `Stopped run ${runId} of flow Interrupt: ABORTED.\n` });
    expect(await exited).toBe(130);
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    expect(await survivors(pids)).toEqual([]);
    const again = await local('terminate', runId, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ runId, previousStatus: 'ABORTED', stopped: false, status: 'ABORTED' });
  }, 60_000);
});
