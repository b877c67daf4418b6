/**
 * The app the CLI benchmark runs: a one-queue infrastructure and `Bench5`, five trivial generic steps in a chain
 * (each `true`). Run as a script it synthesizes into the directory given as its argument.
 */
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { defineFlow, end, linear } from '../../lib/graph/builder';

export const FIVE_STEP_FLOW = 'Bench5';

export function synthesizeFiveStepApp(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'BenchCli');
  const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }) },
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
  });
  const step = { command: ['true'] };
  new MetaflowFlow(stack, FIVE_STEP_FLOW, {
    infrastructure,
    image: 'public.ecr.aws/docker/library/node:22-slim',
    flow: defineFlow({
      name: FIVE_STEP_FLOW,
      steps: { start: linear('a', step), a: linear('b', step), b: linear('c', step), c: linear('end', step), end: end(step) },
    }),
  });
  app.synth();
}

if (require.main === module) synthesizeFiveStepApp(process.argv[2]);
