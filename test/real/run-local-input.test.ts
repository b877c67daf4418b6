import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../lib/cli/capture';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { engineRunArtifacts, runIdOf, synthesizeFlows } from './support/metaflow-runs';

// What `run --local` checks before the first task of a Python flow, and @retry / @secrets with the real Metaflow.

const FLOW_DIR = path.join(__dirname, 'flows', 'retry_secrets_flow');

describeWithRealMetaflow('run --local: the task host of a Python flow', (real) => {
  let work: string;
  let cdkOut: string;
  let flowFile: string;
  let secretsFile: string;
  const base = (): string[] => ['run', '--local', 'RetrySecretsFlow', '--cdk-out', cdkOut, '--no-progress', '--run-root', path.join(work, 'runs')];
  const withMetaflow = (): string[] => ['--python', real().python, '--task-env', `PYTHONPATH=${real().metaflowSrc}`];

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-input-'));
    // a copy, so the "changed since synth" case can edit it
    fs.cpSync(FLOW_DIR, path.join(work, 'flow'), { recursive: true });
    flowFile = path.join(work, 'flow', 'flow.py');
    cdkOut = path.join(work, 'cdk.out');
    synthesizeFlows(cdkOut, [flowFile]);
    secretsFile = path.join(work, 'secrets.json');
    fs.writeFileSync(secretsFile, JSON.stringify({ 'mfcdk/test-db': { DB_USER: 'alice' } }));
  }, 300_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('bad options are one line each, with the fix, before anything runs', async () => {
    const noPython = await captureCli([...base(), '--python', path.join(work, 'no-such-python')]);
    expect(noPython.code).not.toBe(0);
    expect(noPython.stderr.trim()).toMatch(/^error: --python .*no-such-python does not exist: pass the path of a Python interpreter/);
    expect(noPython.stderr.trim().split('\n')).toHaveLength(1);

    const badEnv = await captureCli([...base(), '--task-env', 'PYTHONPATH']);
    expect(badEnv.stderr.trim()).toMatch(/--task-env expects NAME=VALUE .*got "PYTHONPATH"$/);

    expect(fs.existsSync(path.join(work, 'runs'))).toBe(false);
  });

  test('an interpreter without Metaflow stops the run at once, naming the three fixes', async () => {
    const started = Date.now();
    const { code, stderr } = await captureCli([...base(), '--python', real().python, '--secrets-file', secretsFile]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/cannot import metaflow and boto3 .*pip install metaflow==2\.19\.38 boto3.*--task-env PYTHONPATH=.*--metaflow-standin/);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(fs.existsSync(path.join(work, 'runs'))).toBe(false);
  });

  test('a secret the flow reads and --secrets-file lacks stops the run before the first task, naming it', async () => {
    const without = await captureCli([...base(), ...withMetaflow()]);
    expect(without.stderr).toMatch(/reads secret "mfcdk\/test-db" which no --secrets-file gives: pass --secrets-file FILE/);
    const other = path.join(work, 'other-secrets.json');
    fs.writeFileSync(other, '{"something-else": "x"}');
    expect((await captureCli([...base(), ...withMetaflow(), '--secrets-file', other])).stderr).toMatch(/the --secrets-file lacks/);
    fs.writeFileSync(other, '[1]');
    expect((await captureCli([...base(), ...withMetaflow(), '--secrets-file', other])).stderr).toMatch(/holds an array, not an object/);
    expect(fs.existsSync(path.join(work, 'runs'))).toBe(false);
  });

  test('@retry reruns the failed attempt and @secrets reads the value from --secrets-file', async () => {
    const runRoot = path.join(work, 'runs-ok');
    const { code, stdout, stderr } = await captureCli([...base().slice(0, -2), '--run-root', runRoot, ...withMetaflow(), '--secrets-file', secretsFile]);
    expect({ code, out: code === 0 ? '' : stdout + stderr }).toEqual({ code: 0, out: '' });
    expect(stdout).toMatch(/start\s+1\s+1\s+0\s+1\s/); // one task, succeeded, retried once
    const { artifacts } = await engineRunArtifacts(real(), runRoot, 'RetrySecretsFlow', runIdOf(stdout)!);
    expect(artifacts).toMatchObject({ attempts: '2', db_user: "'alice'" });
  }, 900_000);

  test('a flow file changed since synth is refused with the fix', async () => {
    fs.appendFileSync(flowFile, '\n# edited after synth\n');
    const { code, stderr } = await captureCli([...base(), ...withMetaflow(), '--secrets-file', secretsFile]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/the code of flow RetrySecretsFlow in .*flow \(flow\.py or a file beside it\) changed since .*cdk\.out was synthesized: synthesize again/);
  });
});
