/**
 * The benchmark flows, synthesized with the real constructs. Run as a script it writes the cloud assembly to the
 * directory given as its argument (the benchmark synthesizes in a child process so the measuring process stays
 * small: forking a process that holds the CDK costs several ms per task).
 */
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import type { ForeachStrategy } from '../../lib/compile/options';
import type { FlowDocument, StepSpec } from '../../lib/graph/model';

export const STRATEGIES: readonly ForeachStrategy[] = ['array-job', 'inline-map', 'distributed-map'];
/** Writes the foreach width the step records (`MF_PARAM_WIDTH`) under its task root. */
const FOREACH = ['node', 'bench/local/foreach-step.mjs'];

export type Trivial = 'true' | 'node';
const trivial = (kind: Trivial): string[] => (kind === 'true' ? ['true'] : ['node', 'examples/steps/noop.mjs']);

export const foreachFlowName = (strategy: ForeachStrategy, bodySteps: number, kind: Trivial): string =>
  `Bench_${strategy.replace(/-/g, '_')}_${bodySteps}_${kind}`;
export const chainFlowName = (kind: Trivial): string => `Bench_chain10_${kind}`;

function foreachFlow(strategy: ForeachStrategy, bodySteps: number, kind: Trivial): FlowDocument {
  const body = Array.from({ length: bodySteps }, (_, i) => `body${i}`);
  const steps: StepSpec[] = [
    { name: 'start', next: [body[0]], foreach: 'items', command: FOREACH },
    ...body.map((name, i) => ({ name, next: [body[i + 1] ?? 'join'], command: trivial(kind) })),
    { name: 'join', next: ['end'], join: true, command: trivial(kind) },
    { name: 'end', next: [], command: trivial(kind) },
  ];
  return {
    version: 1,
    name: foreachFlowName(strategy, bodySteps, kind),
    steps,
    parameters: [{ name: 'width', type: 'number', default: 100 }],
    maxNumSplits: 1000,
    maxWorkers: 16,
  };
}

function chainFlow(kind: Trivial): FlowDocument {
  const names = Array.from({ length: 10 }, (_, i) => (i === 0 ? 'start' : i === 9 ? 'end' : `step${i}`));
  return { version: 1, name: chainFlowName(kind), steps: names.map((name, i) => ({ name, next: names[i + 1] ? [names[i + 1]] : [], command: trivial(kind) })) };
}

export function synthesizeBenchApp(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench');
  const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 256 }) },
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
  });
  const add = (flow: FlowDocument, strategy?: ForeachStrategy): void => {
    new MetaflowFlow(stack, flow.name, { infrastructure, flow, image: 'local', ...(strategy ? { foreachStrategies: { start: strategy } } : {}) });
  };
  for (const kind of ['true', 'node'] as const) {
    add(chainFlow(kind));
    for (const strategy of STRATEGIES) for (const body of [1, 2]) add(foreachFlow(strategy, body, kind), strategy);
  }
  app.synth();
}

if (require.main === module) synthesizeBenchApp(process.argv[2]);
