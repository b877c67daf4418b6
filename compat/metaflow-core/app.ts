import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { isValidationError } from '../../lib/errors';
import type { MetaflowRuntimeOptions } from '../../constructs/flow/metaflow-runtime';

/** One generated flow of the app: its construct id and the folder holding test_flow.py (its code package). */
export interface CompatFlow {
  readonly id: string;
  readonly directory: string;
}

export interface CompatAppProps {
  /** Cloud assembly directory. */
  readonly outdir: string;
  /** Stack name, one per graph (flow names repeat across graphs, never within one). */
  readonly stackName: string;
  readonly flows: readonly CompatFlow[];
  /** Metaflow settings every flow gets (the deployer `owner`, like `METAFLOW_USER` of `step-functions create`). */
  readonly metaflow?: MetaflowRuntimeOptions;
  /** @default RESOURCES_PER_STACK */
  readonly resourcesPerStack?: number;
}

/** A flow the constructs refused at synth, with their message (the rest of the app still synthesizes). */
export interface SynthRefusal {
  readonly id: string;
  readonly message: string;
}

/**
 * CloudFormation allows 500 resources in one stack. Stacks are filled by estimate (`estimatedResources`), which may
 * miss by a few, so they stop at 450.
 */
export const RESOURCES_PER_STACK = 450;

/** The one-queue infrastructure of a stack (network, datastore, table, roles, compute) makes about 50 resources. */
const INFRASTRUCTURE_RESOURCES = 60;

/**
 * A flow makes one Batch job definition per step, plus its roles, policies, log group and state machine (about 6):
 * 20 flows of `nested-branches` (23 steps each) made 630 resources in one stack.
 */
export function estimatedResources(flowSource: string): number {
  return (flowSource.match(/^\s*@step\b/gm)?.length ?? 1) + 8;
}

/** File in the cloud assembly listing the refused flows. */
export const REFUSALS_FILE = 'compat-refusals.json';

/**
 * The small CDK app the harness deploys each graph's flows with: stacks of up to `resourcesPerStack` resources, each
 * with one infrastructure of one queue, and one `MetaflowFlow` (`pythonFlowFile`) per generated flow, as a user would
 * write it. A flow the constructs refuse is recorded with its message and left out, so one refusal does not hide the
 * other flows' results.
 */
export function synthesizeCompatApp(props: CompatAppProps): SynthRefusal[] {
  const app = new App({ outdir: props.outdir });
  const refusals: SynthRefusal[] = [];
  const budget = props.resourcesPerStack ?? RESOURCES_PER_STACK;
  let current: { stack: Stack; infrastructure: MetaflowInfrastructure; resources: number; flows: number } | undefined;
  let stacks = 0;
  const stackFor = (resources: number): { stack: Stack; infrastructure: MetaflowInfrastructure } => {
    if (!current || (current.flows > 0 && current.resources + resources > budget)) {
      stacks += 1;
      const stack = new Stack(app, stacks === 1 ? props.stackName : `${props.stackName}-${stacks}`);
      const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow', {
        computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand({ maxVcpus: 16 }) },
        queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['cpu'] }],
      });
      current = { stack, infrastructure, resources: INFRASTRUCTURE_RESOURCES, flows: 0 };
    }
    current.resources += resources;
    current.flows += 1;
    return current;
  };
  for (const flow of props.flows) {
    const pythonFlowFile = path.join(flow.directory, 'test_flow.py');
    const { stack, infrastructure } = stackFor(estimatedResources(fs.readFileSync(pythonFlowFile, 'utf-8')));
    try {
      new MetaflowFlow(stack, flow.id, {
        infrastructure,
        pythonFlowFile,
        image: 'python:3.11',
        metaflow: props.metaflow,
      });
    } catch (error) {
      if (!isValidationError(error)) throw error;
      stack.node.tryRemoveChild(flow.id);
      refusals.push({ id: flow.id, message: [...new Set(error.problems.map((p) => `${p.field}: ${p.message}`))].join('; ') });
    }
  }
  app.synth();
  fs.writeFileSync(path.join(props.outdir, REFUSALS_FILE), JSON.stringify(refusals, null, 1));
  return refusals;
}

/** `cdk synth` entry: `MFCDK_COMPAT_APP=<json of CompatAppProps without outdir>` (CDK_OUTDIR is the outdir). */
if (require.main === module) {
  const spec = process.env.MFCDK_COMPAT_APP;
  if (!spec) {
    process.stderr.write('error: set MFCDK_COMPAT_APP to the JSON file the harness writes (compat/metaflow-core/main.ts does)\n');
    process.exit(2);
  }
  const props = JSON.parse(fs.readFileSync(spec, 'utf-8')) as Omit<CompatAppProps, 'outdir'>;
  synthesizeCompatApp({ ...props, outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
}
