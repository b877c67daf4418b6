import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../capture';
import { faultFlowTemplates, happyFlowTemplate } from '../../local/fixtures/flows';
import { survivors, waitForLines } from '../../local/fixtures/processes';

const REPO = path.resolve(__dirname, '../../../..');

const cli = (args: string[]) => captureCli(args);

describe('metaflow-cdk run --local', () => {
  let tmp: string;
  let cdkOut: string;
  let out: string;
  const cwd = process.cwd();
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-cli-run-'));
    cdkOut = path.join(tmp, 'cdk.out');
    out = path.join(tmp, 'out');
    fs.mkdirSync(cdkOut);
    fs.mkdirSync(out);
    const faults = faultFlowTemplates(out);
    fs.writeFileSync(path.join(cdkOut, 'Happy.template.json'), JSON.stringify(happyFlowTemplate(out)));
    fs.writeFileSync(path.join(cdkOut, 'Retry.template.json'), JSON.stringify(faults.Retry));
    fs.writeFileSync(path.join(cdkOut, 'ExitRule.template.json'), JSON.stringify(faults.ExitRule));
    fs.writeFileSync(path.join(cdkOut, 'Interrupt.template.json'), JSON.stringify(faults.Interrupt));
    // steps run with the app directory as cwd; the fixture's Start step requires the SDK from the repository
    process.chdir(REPO);
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const base = (flow: string): string[] => ['run', '--local', flow, '--cdk-out', cdkOut, '--run-root', path.join(tmp, 'runs'), '--no-progress'];

  test('a successful run exits 0 and prints the step table and where the logs are', async () => {
    const { code, stdout, stderr } = await cli(base('Retry'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^step\s+tasks\s+succeeded\s+failed\s+retried\s+duration$/m);
    expect(stdout).toMatch(/^step\s+1\s+1\s+0\s+2\s+\S+/m);
    expect(stdout).toMatch(/of Retry: SUCCEEDED/);
    const logs = /^logs: (.+)$/m.exec(stdout)?.[1];
    expect(logs && fs.readdirSync(path.join(logs, 'step'))).toHaveLength(3);
    expect(stderr).toContain('logs in');
  });

  test('parameters are checked against the flow manifest before anything runs', async () => {
    const missing = await cli(base('HappyFlow'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/alpha.*required/);
    const wrongType = await cli([...base('HappyFlow'), '--param', 'alpha=abc']);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('is not a number');
    const ok = await cli([...base('HappyFlow'), '--param', 'alpha=2', '--max-workers', '2']);
    expect(ok.stderr).not.toContain('error');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^body\s+3\s+3\s+0\s+0/m);
  });

  test('parameters too large for Batch\'s container overrides are refused before any task runs', async () => {
    const runs = path.join(tmp, 'large-params-runs');
    const { code, stderr } = await cli(['run', '--local', 'Retry', '--cdk-out', cdkOut, '--run-root', runs, '--no-progress', '--param', `big=${'x'.repeat(9000)}`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/the parameters come to \d+ characters in each job's container overrides/);
    expect(fs.existsSync(runs) ? fs.readdirSync(runs) : []).toEqual([]);
  });

  test('a failed run exits 1 and names the job, its status reason and its log', async () => {
    const { code, stdout } = await cli(base('ExitRule'));
    expect(code).toBe(1);
    expect(stdout).toMatch(/error: States\.TaskFailed: job Step: Essential container in task exited \(exit code 3\); log: .+attempt1\.log/);
  });

  test('an unknown flow lists the flows of the app', async () => {
    const { code, stderr } = await cli(base('Nope'));
    expect(code).toBe(1);
    expect(stderr).toContain('Flows: ExitRule, HappyFlow, Interrupt, Retry');
  });

  test('without --local it says how to run on AWS; bad --max-workers is a usage error', async () => {
    const noLocal = await cli(['run', 'Retry', '--cdk-out', cdkOut]);
    expect(noLocal.code).toBe(2);
    expect(noLocal.stderr).toContain('metaflow-cdk trigger');
    const badWorkers = await cli([...base('Retry'), '--max-workers', '0']);
    expect(badWorkers.code).toBe(2);
  });

  test('a file as --cdk-out or --run-root, or a broken template, is one line naming it, before any run starts', async () => {
    const refusedRunRoot = path.join(tmp, 'never-made', 'runs');
    // checked, not made: a run refused later (here an unknown flow) leaves no folder behind
    expect((await cli(['run', '--local', 'Nope', '--cdk-out', cdkOut, '--run-root', refusedRunRoot, '--no-progress'])).code).toBe(1);
    expect(fs.existsSync(path.join(tmp, 'never-made'))).toBe(false);

    const aFile = path.join(tmp, 'a-file');
    fs.writeFileSync(aFile, 'x');
    const fileAsAssembly = await cli(['run', '--local', 'Retry', '--cdk-out', aFile, '--no-progress']);
    expect(fileAsAssembly).toMatchObject({ code: 1, stderr: `error: --cdk-out ${aFile} is a file; pass the folder \`metaflow-cdk synth\` wrote (cdk.out by default).\n` });

    for (const runRoot of [aFile, path.join(aFile, 'runs')]) {
      const fileAsRunRoot = await cli(['run', '--local', 'Retry', '--cdk-out', cdkOut, '--run-root', runRoot, '--no-progress']);
      expect(fileAsRunRoot.code).toBe(2);
      expect(fileAsRunRoot.stderr).toContain(`--run-root ${runRoot} cannot hold run folders (${aFile} is a file); pass a folder you can write to.`);
      expect(fileAsRunRoot.stderr).not.toContain('logs in');
    }

    const broken = path.join(tmp, 'broken.out');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'Half.template.json'), '{\n  "Resources": {');
    const brokenTemplate = await cli(['run', '--local', 'Retry', '--cdk-out', broken, '--no-progress']);
    expect(brokenTemplate.code).toBe(1);
    expect(brokenTemplate.stderr).toMatch(new RegExp(`^error: ${path.join(broken, 'Half.template.json')} is not a readable CloudFormation template \\(.+\\); synthesize the app again \\(metaflow-cdk synth\\)\\.\n$`));
  });

  test('--app synthesizes the app with its cdk.json command and CDK_OUTDIR into a folder removed after the run', async () => {
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'template.json'), JSON.stringify(faultFlowTemplates(out).Retry));
    const copy = `echo "$CDK_OUTDIR" >> outdirs; node -e "require('fs').copyFileSync('template.json', process.env.CDK_OUTDIR + '/App.template.json')"`;
    fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: copy }));
    const { code, stdout, stderr } = await cli(['run', '--local', 'Retry', '--app', app, '--no-progress']);
    expect(stderr).toContain(`synthesizing the CDK app in ${app}`);
    expect(code).toBe(0);
    expect(stdout).toContain('SUCCEEDED');
    // run directories go under the app by default
    expect(fs.existsSync(path.join(app, '.local-runs', 'Retry'))).toBe(true);
    fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'echo "$CDK_OUTDIR" >> outdirs; exit 7' }));
    const failed = await cli(['run', '--local', 'Retry', '--app', app, '--no-progress']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('exit code 7');
    const outdirs = fs.readFileSync(path.join(app, 'outdirs'), 'utf8').trim().split('\n');
    expect(outdirs).toHaveLength(2);
    for (const outdir of outdirs) expect(fs.existsSync(outdir)).toBe(false);
  });

  test('Ctrl-C ends every task process, stops the servers and exits 130', async () => {
    const child = spawn(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'bin/metaflow-cdk.ts', ...base('Interrupt')], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pidsFile = path.join(out, 'pids');
    await waitForLines(pidsFile, 8);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('stopping the run');
    expect(stdout).toContain('of Interrupt: ABORTED');
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(8);
    expect(await survivors(pids)).toEqual([]);
  }, 60_000);
});
