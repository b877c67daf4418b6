import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow, type MetaflowFlowProps } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import type { FlowDocument, StepSpec } from '../../lib/graph/model';
import { runLocalFlow, type LocalRunOptions, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';

export const REPO = path.resolve(__dirname, '../..');
/** The end-to-end steps' command: `node test/e2e/steps/step.cjs <verb>` (cwd is the repository). */
export const STEP = (...args: string[]): string[] => [process.execPath, 'test/e2e/steps/step.cjs', ...args];

export interface E2eFlow {
  readonly flow: FlowDocument;
  readonly props?: Partial<Omit<MetaflowFlowProps, 'infrastructure' | 'flow'>>;
}

/** Synthesizes the flows with the real constructs into a temp cloud assembly (no security plugins: they are tested elsewhere). */
export function synthesize(flows: readonly E2eFlow[]): { assembly: LocalAssembly; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-synth-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'E2e');
  const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }) },
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
  });
  for (const { flow, props } of flows) new MetaflowFlow(stack, flow.name, { infrastructure, flow, image: 'local', ...props });
  app.synth();
  const assembly = LocalAssembly.fromDirectory(outdir);
  // the templates are read: the directory can go when the test process ends
  process.once('exit', () => fs.rmSync(outdir, { recursive: true, force: true }));
  return { assembly, outdir };
}

export function step(name: string, next: string[], command: string[], extra: Partial<StepSpec> = {}): StepSpec {
  return { name, next, command, ...extra };
}

export function doc(name: string, steps: StepSpec[], extra: Partial<FlowDocument> = {}): FlowDocument {
  return { version: 1, name, steps, ...extra };
}

/** Runs a flow with a fresh run root; the caller removes `runRoot` (it holds the local S3 data and logs). */
export function run(
  assembly: LocalAssembly,
  flow: string,
  runRoot: string,
  options: Partial<LocalRunOptions> = {},
): Promise<LocalRunResult> {
  return runLocalFlow({ assembly, flow, cwd: REPO, runRoot, maxWorkers: 4, user: 'e2e', ...options });
}

/** The value artifact a task wrote, read from the local S3 server's directory after the run. */
export function readArtifact(runRoot: string, result: LocalRunResult, step: string, taskId: string): unknown {
  const s3 = path.join(runRoot, 's3');
  const bucket = fs.readdirSync(s3).find((b) => fs.existsSync(path.join(s3, b, 'metaflow')));
  if (!bucket) throw new Error(`no datastore bucket under ${s3}`);
  const file = path.join(s3, bucket, 'metaflow', result.flow, result.runId, step, taskId, 'value.json._S3rver_object');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Last line `RESULT ...` a step printed to its log. */
export function printedResult(result: LocalRunResult, step: string): unknown {
  const dir = path.join(result.logsDir, step);
  for (const file of fs.readdirSync(dir)) {
    const line = fs.readFileSync(path.join(dir, file), 'utf8').split('\n').find((l) => l.startsWith('RESULT '));
    if (line) return JSON.parse(line.slice('RESULT '.length));
  }
  return undefined;
}
