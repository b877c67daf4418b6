import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { runLocalFlow } from '../../lib/local/run/engine';
import { serveKeptRun } from '../../lib/local/services/metadata/browse';
import { resolveMetadataServiceSetup, type MetadataServiceSetup } from '../../lib/local/services/metadata/config';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { METAFLOW_FIXTURES } from '../support/fixtures';
import { describeWithMetadataService, type RealMetaflowWithService } from '../support/real-metaflow';

// Python flows run by `run --local --metadata-service` with the real Metaflow in every task and Metaflow's real
// metadata service, kept, served again (`local-metadata serve`) and read back by Metaflow's client in another process:
// the steps, tasks, their parents and children (foreach and @parallel included) and every artifact equal what the
// client reads of Metaflow's own local run of the same flow, and `Run.code` / `Task.environment_info` read the code
// package the tasks recorded in the datastore.

const REPO = path.resolve(__dirname, '../..');
const CLIENT_TREE = path.join(__dirname, 'metadata-service', 'client_tree.py');
const CLIENT_CODE = path.join(__dirname, 'metadata-service', 'client_code.py');

interface PythonFlow {
  readonly name: string;
  readonly file: string;
  /** Compiled with a metadata service (a @parallel step needs one); otherwise the job says local metadata. */
  readonly service: boolean;
}
const FLOWS: readonly PythonFlow[] = [
  { name: 'LinearAnchorFlow', file: path.join(METAFLOW_FIXTURES, 'linear_flow', 'flow.py'), service: false },
  { name: 'ParallelFlow', file: path.join(METAFLOW_FIXTURES, 'parallel_flow', 'flow.py'), service: true },
  { name: 'RankingFlow', file: path.join(REPO, 'examples', 'python', 'ranking_flow.py'), service: true },
];

function exec(command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A Metaflow process's environment: the real Metaflow importable, no user config. */
function metaflowEnv(real: RealMetaflowWithService, work: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    PYTHONPATH: real.metaflowSrc,
    METAFLOW_HOME: fs.mkdtempSync(path.join(work, 'home-')),
    USERNAME: 'tester',
    ...extra,
  };
}

async function clientTree(real: RealMetaflowWithService, flow: string, work: string, env: Record<string, string>, script = CLIENT_TREE): Promise<unknown> {
  const read = await exec(real.python, [script, flow], { cwd: work, env: metaflowEnv(real, work, env) });
  if (read.code !== 0) throw new Error(`Metaflow's client could not read ${flow}:\n${read.stderr.trim().split('\n').slice(-8).join('\n')}`);
  return JSON.parse(read.stdout.trim().split('\n').pop()!);
}

/** `python flow.py --metadata=local --datastore=local run` of a copy without `@batch` (which would submit to AWS). */
async function referenceTree(real: RealMetaflowWithService, flow: PythonFlow, work: string): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(work, `reference-${flow.name}-`));
  fs.writeFileSync(path.join(dir, 'flow.py'), fs.readFileSync(flow.file, 'utf-8').replace(/^\s*@batch\(.*\)\s*$/gm, ''));
  const env = { METAFLOW_DATASTORE_SYSROOT_LOCAL: dir, METAFLOW_DEFAULT_METADATA: 'local', METAFLOW_DEFAULT_DATASTORE: 'local' };
  const run = await exec(real.python, ['flow.py', '--no-pylint', '--metadata=local', '--datastore=local', 'run'], { cwd: dir, env: metaflowEnv(real, work, env) });
  if (run.code !== 0) throw new Error(`Metaflow's local run of ${flow.name} failed:\n${run.stderr.slice(-3000)}`);
  return clientTree(real, flow.name, dir, env);
}

describeWithMetadataService("Python flows under run --local --metadata-service, read back with Metaflow's client", (real) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-mdflows-'));
  let setup: MetadataServiceSetup;
  let assembly: LocalAssembly;
  const outdir = path.join(work, 'cdk.out');

  beforeAll(() => {
    setup = resolveMetadataServiceSetup({ src: real().metadataServiceSrc, python: real().python });
    const app = new App({ outdir });
    const stack = new Stack(app, 'MetadataFlows');
    const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
      computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }), gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 16 }) },
      // the README's Python example trains one model on a queue named `gpu`
      queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot', 'gpu'] }, { name: 'gpu', priority: 2, computeEnvironments: ['gpu'] }],
    });
    for (const flow of FLOWS) {
      new MetaflowFlow(stack, flow.name, {
        infrastructure,
        pythonFlowFile: flow.file,
        image: 'python:3.11',
        ...(flow.service ? { metaflow: { serviceUrl: 'http://metadata.invalid' } } : {}),
      });
    }
    app.synth();
    assembly = LocalAssembly.fromDirectory(outdir);
  }, 300_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each(FLOWS.map((f) => [f.name, f] as const))('%s: steps, tasks, parents, children and artifacts equal Metaflow\'s local run; Run.code reads the flow file', async (_name, flow) => {
    const runRoot = path.join(work, 'runs', flow.name);
    const [result, reference] = await Promise.all([
      runLocalFlow({
        assembly,
        flow: flow.name,
        cwd: work,
        runRoot,
        maxWorkers: 4,
        user: 'tester',
        assemblyDirectory: outdir,
        taskHost: { python: real().python, taskEnv: { PYTHONPATH: real().metaflowSrc } },
        metadataService: { setup, keep: true },
      }),
      referenceTree(real(), flow, work),
    ]);
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(fs.existsSync(path.join(result.runDir, 'metadata-service', 'pgdata', 'PG_VERSION'))).toBe(true);

    const served = await serveKeptRun(result.runDir, setup);
    try {
      const tree = await clientTree(real(), flow.name, work, { ...served.env });
      expect(tree).toEqual(reference);
      expect(tree).toEqual(expect.objectContaining({ successful: true, finished: true }));
      // The code package every task recorded is Metaflow's own, in the datastore: Run.code and environment_info read it.
      const code = (await clientTree(real(), flow.name, work, { ...served.env }, CLIENT_CODE)) as { path: string; info: Record<string, unknown>; flowspec: string; members: string[]; environment_info: Record<string, unknown> };
      expect(code.flowspec).toBe(fs.readFileSync(flow.file, 'utf-8'));
      expect(code.info).toMatchObject({ environment_type: 'local', script: path.basename(flow.file), flow_name: flow.name, runtime: 'step-functions' });
      expect(code.members).toEqual(expect.arrayContaining(['INFO', path.basename(flow.file)]));
      expect(code.path).toMatch(new RegExp(`^s3://[^/]+/metaflow/${flow.name}/data/([0-9a-f]{2})/\\1[0-9a-f]{38}$`));
      const tasks = Object.keys(code.environment_info);
      expect(tasks.length).toBeGreaterThan(1);
      expect(code.environment_info).toEqual(Object.fromEntries(tasks.map((t) => [t, 'Local environment'])));
    } finally {
      await served.stop();
    }
  }, 900_000);
});
