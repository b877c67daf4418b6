/**
 * Compiler benchmarks (issue 4). Run once: `npx tsx bench/compile/run.ts` (writes bench/compile/RESULTS.md).
 * - synth time of an app with a 10/50/200-step flow, as a ratio to the same app without it;
 * - CloudFormation resources and template bytes per step; largest ContainerOverrides;
 * - state transitions of start → foreach(N) → 2-step body → join → end, beside Metaflow's 2N+5.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow/metaflow-flow';
import { buildDefinition } from '../../lib/compile/definition';
import { ForeachStrategy } from '../../lib/compile/options';
import { planFlow } from '../../lib/compile/plan';
import { countTransitions } from '../../lib/compile/transitions';
import type { FlowDocument } from '../../lib/graph/model';
import { MetaflowReferenceStack } from '../../lib/stacks/reference-stack';
import { syntheticFlow } from './synthetic-flow';

const ENV = { account: '123456789012', region: 'eu-west-1' };

interface SynthResult {
  ms: number;
  resources: number;
  bytes: number;
  overrides: number;
}

/** Like `cdk synth`, every synth writes to the same cloud assembly directory (so a staged Lambda bundle is reused). */
const OUTDIR = join(tmpdir(), `metaflow-cdk-bench-${process.pid}`);

function synthOnce(doc?: FlowDocument, outdir = OUTDIR): SynthResult {
  const started = process.hrtime.bigint();
  const app = new App({ outdir });
  const stack = new MetaflowReferenceStack(app, 'Bench', { env: ENV });
  let overrides = 0;
  if (doc) {
    const flow = new MetaflowFlow(stack, 'Flow', { infrastructure: stack.infrastructure, flow: doc, image: 'node:22-slim' });
    overrides = largestOverrides(flow.definition);
  }
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const template = assembly.getStackByName('Bench').template as { Resources: object };
  return { ms, resources: Object.keys(template.Resources).length, bytes: JSON.stringify(template).length, overrides };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function synth(doc?: FlowDocument): SynthResult {
  const runs = [synthOnce(doc), synthOnce(doc), synthOnce(doc)];
  return { ...runs[0], ms: median(runs.map((r) => r.ms)) };
}

function largestOverrides(definition: unknown): number {
  let largest = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'ContainerOverrides') largest = Math.max(largest, JSON.stringify(value).length);
        walk(value);
      }
    }
  };
  walk(definition);
  return largest;
}

const BENCH_FOREACH: FlowDocument = {
  version: 1,
  name: 'ForeachBench',
  maxNumSplits: 1_000_000,
  steps: [
    { name: 'start', next: ['body1'], foreach: 'items', command: ['true'] },
    { name: 'body1', next: ['body2'], command: ['true'] },
    { name: 'body2', next: ['join'], command: ['true'] },
    { name: 'join', next: ['end'], join: true, command: ['true'] },
    { name: 'end', next: [], command: ['true'] },
  ],
};

function transitions(strategy: ForeachStrategy, maxWorkers: number, width: number): number {
  const options = {
    queues: [{ name: 'cpu', capabilities: { platform: 'EC2' as const, gpu: false, neuron: false, spot: true, maxVcpus: 256 } }],
    defaultQueueName: 'cpu',
    image: 'node:22-slim',
    datastoreBucket: 'b',
    datastorePrefix: 'p',
    foreachStrategies: { start: strategy },
  };
  const plan = planFlow({ ...BENCH_FOREACH, maxWorkers }, options);
  const refs = { partition: 'aws', jobDefinitionArn: (k: string) => k, jobQueueArn: (q: string) => q, fanoutFunctionArn: 'f', catchFunctionArn: 'c' };
  return countTransitions(buildDefinition(plan, refs), { width });
}

function main(): void {
  const lines: string[] = [];
  const out = (line = ''): void => {
    lines.push(line);
    console.log(line);
  };
  synthOnce(); // warm the module cache
  synthOnce(syntheticFlow(10)); // stage the Lambda bundle in OUTDIR, as a first `cdk synth` does
  const base = synth();
  out('# Compiler benchmarks');
  out();
  out(`Command: \`npx tsx bench/compile/run.ts\` (2-core machine shared with other jobs, Node ${process.version}; median of 3 synths after a warm-up,`);
  out('into one output directory as repeated `cdk synth` runs do, so the Lambda bundle staged by the first synth is reused).');
  out('The app is the reference stack (`MetaflowReferenceStack`, no policy plugins) with one synthetic flow that mixes');
  out('branches, foreaches with 2-step bodies and linear steps (`bench/compile/synthetic-flow.ts`).');
  out();
  out('| flow | synth (ms) | ratio to app without flow | added ms | resources added | per step | template bytes added | per step | largest ContainerOverrides (chars) |');
  out('|---|---|---|---|---|---|---|---|---|');
  out(`| none | ${base.ms.toFixed(0)} | 1.00 | 0 | 0 | - | 0 | - | - |`);
  for (const size of [10, 50, 200]) {
    const r = synth(syntheticFlow(size));
    const addedRes = r.resources - base.resources;
    const addedBytes = r.bytes - base.bytes;
    out(
      `| ${size} steps | ${r.ms.toFixed(0)} | ${(r.ms / base.ms).toFixed(2)} | ${(r.ms - base.ms).toFixed(0)} | ${addedRes} | ${(addedRes / size).toFixed(2)} | ${addedBytes} | ${(addedBytes / size).toFixed(0)} | ${r.overrides} |`,
    );
  }
  out();
  out('A first synth into an empty output directory also runs esbuild once for the coordination Lambda bundle');
  out('(0.5-0.9 s per synth on this machine); its asset hash is a hash of its sources, so later synths reuse it.');
  out();
  out('State transitions of start → foreach(N) → 2-step body → join → end (states entered, child executions included, no retries):');
  out();
  out('| N | Metaflow 2N+5 | array-job, maxWorkers 16 (default) | array-job, maxWorkers 10,000 | distributed-map |');
  out('|---|---|---|---|---|');
  for (const n of [10, 1000, 100_000]) {
    out(`| ${n.toLocaleString('en-US')} | ${(2 * n + 5).toLocaleString('en-US')} | ${transitions('array-job', 16, n).toLocaleString('en-US')} | ${transitions('array-job', 10_000, n).toLocaleString('en-US')} | ${transitions('distributed-map', 16, n).toLocaleString('en-US')} |`);
  }
  writeFileSync(join(__dirname, 'RESULTS.md'), `${lines.join('\n')}\n`);
}

main();
