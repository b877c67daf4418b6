import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { batchDecoratorSpec, metaflowStepCommand, metaflowStepCommands } from '../../../../lib/runtime/metaflow/command';
import { METAFLOW_V0_CODE_METADATA } from '../../../../lib/runtime/metaflow/deployment';
import { metaflowStepEnvironment } from '../../../../lib/runtime/metaflow/environment';
import { FIXTURE_FLOWS, normaliseEnvFiles, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('commands of %s match Metaflow\'s step-functions create', (dir) => {
  const fixture = recorded(dir);

  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s: the whole bash -c script', (name, state) => {
    const ours = metaflowStepCommand(fixture.graph, name, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps });
    const theirs = state.Parameters.ContainerOverrides.Command;
    expect(ours.slice(0, 2)).toEqual(theirs.slice(0, 2));
    expect(normaliseEnvFiles(ours[2])).toBe(normaliseEnvFiles(theirs[2]));
  });
});

describe('command options', () => {
  const fixture = recorded('foreach_flow');

  test('every step gets --with batch unless its @batch is static', () => {
    const withBatch = metaflowStepCommands(fixture.graph, 'upper', fixture.deployment).join(' ');
    expect(withBatch).toContain(`--with '${batchDecoratorSpec(fixture.graph.nodes.get('upper')!.step, fixture.deployment)}'`);
    expect(metaflowStepCommands(fixture.graph, 'upper', fixture.deployment, { staticBatchSteps: ['upper'] }).join(' ')).not.toContain('--with \'batch:');
  });

  test('tags, namespace and flow options reach init and step', () => {
    const commands = metaflowStepCommands(fixture.graph, 'start', { ...fixture.deployment, tags: ['team:ml'], namespace: 'prod', flowOptions: ['--branch', 'b1'] });
    expect(commands[0]).toMatch(/--branch b1 --quiet .* init --run-id sfn-\$METAFLOW_RUN_ID --task-id \$\{AWS_BATCH_JOB_ID\}-params --tag team:ml; fi$/);
    expect(commands[1]).toMatch(/--tag team:ml --namespace=prod$/);
    expect(commands[1]).not.toContain('--split-index');
  });

  test('a flow with Configs reads the packaged values: from the command line, which outranks what the flow file sets in its environment', () => {
    const deployment = { ...fixture.deployment, configNames: ['settings', 'odd name'] };
    for (const command of metaflowStepCommands(fixture.graph, 'start', deployment)) {
      expect(command).toContain("--local-config-file CONFIG --config-value settings kv.settings --config-value 'odd name' 'kv.odd name' --quiet");
    }
    const env = metaflowStepEnvironment(fixture.graph, 'start', deployment);
    expect(env.find((e) => e.Name === 'METAFLOW_FLOW_CONFIG_VALUE')).toEqual({ Name: 'METAFLOW_FLOW_CONFIG_VALUE', Value: '{"settings": "kv.settings", "odd name": "kv.odd name"}' });
    expect(metaflowStepCommands(fixture.graph, 'start', fixture.deployment).join(' ')).not.toContain('--config-value');
    expect(metaflowStepEnvironment(fixture.graph, 'start', fixture.deployment).map((e) => e.Name)).not.toContain('METAFLOW_FLOW_CONFIG_VALUE');
  });

  test('a zip code package is unpacked with zipfile; setup commands run before Metaflow', () => {
    const [, , script] = metaflowStepCommand(fixture.graph, 'upper', { ...fixture.deployment, codePackage: { url: 's3://assets/abc.zip', sha: 'abc', format: 'zip' } }, { setup: ['export X=1'] });
    expect(script).toContain('download_file("assets", "abc.zip", "job.zip")');
    expect(script).toContain(`python -c 'import zipfile; zipfile.ZipFile("job.zip").extractall(".")'`);
    expect(script).not.toContain('tar -xzf');
    expect(script.indexOf('export X=1')).toBeLessThan(script.indexOf('step upper'));
  });

  test('a package with a content address: start copies it there unless present (a failed copy fails the task), Metaflow records the address', () => {
    const sha = 'ab'.padEnd(40, '1');
    const datastoreUrl = `s3://store/metaflow/ForeachFlow/data/ab/${sha}`;
    const deployment = { ...fixture.deployment, codePackage: { url: 's3://assets/f00.tgz', sha, format: 'tgz' as const, metadata: METAFLOW_V0_CODE_METADATA, datastoreUrl } };
    const [, , start] = metaflowStepCommand(fixture.graph, 'start', deployment);
    expect(start).toContain('download_file("assets", "f00.tgz", "job.tar")');
    expect(start).toContain("TAR_OPTIONS='--warning=no-timestamp' tar -xzf job.tar -C .");
    const copy = /&& (if ! python -c '.*?'; then mflog '[^']*' && exit 1; fi) &&/.exec(start)?.[1];
    expect(copy).toContain(`s3.list_objects_v2(Bucket="store", Prefix="metaflow/ForeachFlow/data/ab/${sha}", MaxKeys=1).get("KeyCount") or s3.copy_object(Bucket="store", Key="metaflow/ForeachFlow/data/ab/${sha}", CopySource={"Bucket":"assets","Key":"f00.tgz"}`);
    expect(copy).toContain('os.getenv("METAFLOW_S3_ENDPOINT_URL")');
    expect(copy).toContain(`mflog 'Failed to copy the code package to ${datastoreUrl}`);
    expect(start.indexOf(copy!)).toBeGreaterThan(start.indexOf('tar -xzf'));
    expect(start.indexOf(copy!)).toBeLessThan(start.indexOf('flush_mflogs && ('));
    expect(metaflowStepCommand(fixture.graph, 'upper', deployment)[2]).not.toContain('copy_object');
    const env = Object.fromEntries(metaflowStepEnvironment(fixture.graph, 'upper', deployment).map((e) => [e.Name, 'Value' in e ? e.Value : e['Value.$']]));
    expect(env).toMatchObject({ METAFLOW_CODE_URL: datastoreUrl, METAFLOW_CODE_SHA: sha, METAFLOW_CODE_METADATA: METAFLOW_V0_CODE_METADATA, METAFLOW_CODE_DS: 's3' });
    const without = metaflowStepEnvironment(fixture.graph, 'upper', { ...deployment, codePackage: { ...deployment.codePackage, datastoreUrl: undefined } });
    expect(without.filter((e) => e.Name === 'METAFLOW_CODE_URL').map((e) => ('Value' in e ? e.Value : ''))).toEqual(['s3://assets/f00.tgz', 's3://assets/f00.tgz']);
    expect(metaflowStepCommand(fixture.graph, 'start', { ...deployment, codePackage: { ...deployment.codePackage, datastoreUrl: undefined } })[2]).not.toContain('copy_object');
  });

  test('a flow without the metaflow runtime is refused', () => {
    const generic = { ...fixture.graph, document: { ...fixture.graph.document, runtime: { kind: 'generic' as const } } };
    expect(() => metaflowStepCommands(generic, 'start', fixture.deployment)).toThrow(/not a Metaflow flow/);
  });
});

describe('a task killed by SIGSEGV', () => {
  // The script's tail after the step (from `c=$?` to Metaflow's save_logs), run by bash after a step that exits with
  // the given shell command, with MFLOG_STDERR in a temp folder.
  const fixture = recorded('linear_flow');
  const script = metaflowStepCommand(fixture.graph, 'start', fixture.deployment)[2];
  const tail = script.slice(script.indexOf('c=$?; ') + 'c=$?; '.length, script.lastIndexOf('python -m metaflow.mflog.save_logs'));
  const afterStep = (step: string): { code: number | null; stderrLog: string; stderr: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-segv-'));
    const stderrLog = path.join(dir, 'mflog_stderr');
    fs.writeFileSync(stderrLog, '');
    const run = spawnSync('bash', ['-c', `(${step}); c=$?; ${tail}exit $c`], { env: { ...process.env, MFLOG_STDERR: stderrLog }, encoding: 'utf-8' });
    const result = { code: run.status, stderrLog: fs.readFileSync(stderrLog, 'utf-8'), stderr: run.stderr };
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  };

  test("says so in the task's stderr log, as Metaflow's local runtime does, and keeps the exit status", () => {
    const crashed = afterStep("sh -c 'kill -SEGV $$'");
    expect(crashed.code).toBe(139);
    expect(crashed.stderrLog).toMatch(/^\[MFLOG\|0\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\|task\|[^\]]+\]Task failed with a segmentation fault\.\n$/);
    expect(crashed.stderr).toContain('Task failed with a segmentation fault.');
  });

  test('other failures and successes add nothing', () => {
    expect(afterStep('exit 1')).toMatchObject({ code: 1, stderrLog: '' });
    expect(afterStep('true')).toMatchObject({ code: 0, stderrLog: '' });
  });
});
