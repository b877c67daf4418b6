import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';
import { MetaflowFlow, type MetaflowRuntimeOptions } from '../../../constructs/flow';
import { MetaflowInfrastructure } from '../../../constructs/infrastructure/metaflow-infrastructure';
import { startLocalServers } from '../../../lib/local/services/servers';
import type { RealMetaflow } from '../../support/real-metaflow';

const READ_ARTIFACTS = path.join(__dirname, 'read_artifacts.py');
const STRIP_BATCH = path.join(__dirname, 'strip_batch.py');

/** What Metaflow's client reads of a run: its status and the repr of each `end` artifact. */
export interface RunArtifacts {
  readonly run: string;
  readonly successful: boolean;
  readonly artifacts: Record<string, string>;
}

export interface Exec {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (runs of the engine and of Metaflow overlap). */
export function exec(command: string, args: readonly string[], options: { cwd?: string; env: Record<string, string> }): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** The environment of a Metaflow process here: the real Metaflow importable, no user config read. */
export function metaflowEnv(real: RealMetaflow, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: os.tmpdir(),
    PYTHONPATH: real.metaflowSrc,
    METAFLOW_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-home-')),
    USERNAME: 'tester',
    ...extra,
  };
}

function parseArtifacts(result: Exec, what: string): RunArtifacts {
  if (result.code !== 0) throw new Error(`reading ${what} with Metaflow's client failed: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as RunArtifacts;
}

/**
 * `python flow.py --datastore=local run ARGS` of a copy of the flow file (without `@batch`, which would submit to
 * AWS Batch) and of the `siblings` it reads, then its `end` artifacts read back with Metaflow's client.
 */
export async function referenceRun(real: RealMetaflow, flowFile: string, flowName: string, args: readonly string[], work: string, siblings: readonly string[] = []): Promise<RunArtifacts> {
  const dir = fs.mkdtempSync(path.join(work, 'reference-'));
  const copy = path.join(dir, 'flow.py');
  for (const name of siblings) fs.copyFileSync(path.join(path.dirname(flowFile), name), path.join(dir, name));
  const env = metaflowEnv(real, { METAFLOW_DATASTORE_SYSROOT_LOCAL: dir, METAFLOW_DEFAULT_METADATA: 'local', METAFLOW_DEFAULT_DATASTORE: 'local' });
  const strip = await exec(real.python, [STRIP_BATCH, flowFile, copy], { env });
  if (strip.code !== 0) throw new Error(strip.stderr);
  const run = await exec(real.python, [copy, '--no-pylint', '--datastore=local', '--metadata=local', 'run', ...args], { cwd: dir, env });
  if (run.code !== 0) throw new Error(`python ${flowFile} run failed:\n${run.stderr.slice(-3000)}`);
  return parseArtifacts(await exec(real.python, [READ_ARTIFACTS, flowName, 'latest'], { cwd: dir, env }), `the reference run of ${flowName}`);
}

/**
 * The `end` artifacts of a `run --local` run, read as docs/python-flows-locally.md tells users to: S3 served from
 * the run root's kept data, Metaflow's local metadata from `<run root>/.metaflow`.
 */
export async function engineRunArtifacts(real: RealMetaflow, runRoot: string, flowName: string, runId: string): Promise<RunArtifacts> {
  const servers = await startLocalServers({ s3Directory: path.join(runRoot, 's3') });
  try {
    const env = metaflowEnv(real, {
      METAFLOW_DEFAULT_METADATA: 'local',
      METAFLOW_DATASTORE_SYSROOT_LOCAL: runRoot,
      METAFLOW_S3_ENDPOINT_URL: servers.s3Endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    return parseArtifacts(await exec(real.python, [READ_ARTIFACTS, flowName, runId], { cwd: runRoot, env }), `run ${runId} of ${flowName}`);
  } finally {
    await servers.stop();
  }
}

/**
 * Synthesizes the given flow files into `outdir`, each with the `metaflow` options given; a flow on a GPU or
 * Inferentia queue gets infrastructure that has them.
 */
export function synthesizeFlows(outdir: string, flowFiles: readonly string[], metaflow?: MetaflowRuntimeOptions): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'RealMetaflow');
  const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }), gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 16 }) },
    // the README's Python example trains one model on a queue named `gpu`
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot', 'gpu'] }, { name: 'gpu', priority: 2, computeEnvironments: ['gpu'] }],
  });
  const accelerated = new MetaflowInfrastructure(stack, 'AcceleratedInfra', {
    exportConfig: false,
    computeEnvironments: { neuron: ComputeEnvironmentPresets.neuron({ maxVcpus: 64 }), gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 64 }) },
    queues: [
      { name: 'accelerated', priority: 1, computeEnvironments: ['neuron', 'gpu'] },
      { name: 'gpu-q', priority: 2, computeEnvironments: ['gpu'] },
    ],
  });
  flowFiles.forEach((file, index) => {
    const on = fs.readFileSync(file, 'utf8').includes('inferentia') ? accelerated : infrastructure;
    new MetaflowFlow(stack, `Flow${index}`, { infrastructure: on, pythonFlowFile: file, image: 'python:3.11', ...(metaflow ? { metaflow } : {}) });
  });
  app.synth();
}

/** The state machine definition `synthesizeFlows` wrote (of its only flow), as JSON text with its tokens. */
export function synthesizedDefinition(outdir: string): string {
  type Template = { Resources: Record<string, { Type: string; Properties: { DefinitionString?: unknown } }> };
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'RealMetaflow.template.json'), 'utf8')) as Template;
  return JSON.stringify(Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!.Properties.DefinitionString);
}

/** `run --local FLOW` of a synthesized app with the real Metaflow in every task (before any `-p` parameters). */
export function realRunArgs(real: RealMetaflow, flow: string, cdkOut: string, runRoot: string): string[] {
  return ['run', '--local', flow, '--cdk-out', cdkOut, '--run-root', runRoot, '--no-progress', '--python', real.python, '--task-env', `PYTHONPATH=${real.metaflowSrc}`];
}

/** Keys of every object the runs under `runRoot` left in the local datastore buckets (`<runRoot>/s3/<bucket>/<key>`). */
export function datastoreKeys(runRoot: string): string[] {
  const s3 = path.join(runRoot, 's3');
  const suffix = '._S3rver_object';
  return fs.readdirSync(s3)
    .filter((bucket) => bucket.includes('datastorebucket'))
    .flatMap((bucket) => (fs.readdirSync(path.join(s3, bucket), { recursive: true }) as string[])
      .filter((file) => file.endsWith(suffix))
      .map((file) => file.slice(0, -suffix.length).split(path.sep).join('/')));
}

/** The run id `run --local` printed. */
export function runIdOf(stdout: string): string | undefined {
  return /run (sfn-\S+) of \S+: /.exec(stdout)?.[1];
}
