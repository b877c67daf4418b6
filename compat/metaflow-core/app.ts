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
  /** @default FLOWS_PER_STACK */
  readonly flowsPerStack?: number;
}

/** A flow the constructs refused at synth, with their message (the rest of the app still synthesizes). */
export interface SynthRefusal {
  readonly id: string;
  readonly message: string;
}

/**
 * Flows per stack: CloudFormation allows 500 resources in one, and 29 foreach flows with their infrastructure made
 * 514; 20 (about 16 resources each, plus about 60 of infrastructure) stay well under.
 */
export const FLOWS_PER_STACK = 20;

/** File in the cloud assembly listing the refused flows. */
export const REFUSALS_FILE = 'compat-refusals.json';

/**
 * The small CDK app the harness deploys each graph's flows with: for every `FLOWS_PER_STACK` flows a stack with one
 * infrastructure of one queue, and one `MetaflowFlow` (`pythonFlowFile`) per generated flow, as a user would write
 * it. A flow the constructs refuse is recorded with its message and left out, so one refusal does not hide the other
 * flows' results.
 */
export function synthesizeCompatApp(props: CompatAppProps): SynthRefusal[] {
  const app = new App({ outdir: props.outdir });
  const refusals: SynthRefusal[] = [];
  const stacks = new Map<number, { stack: Stack; infrastructure: MetaflowInfrastructure }>();
  const stackOf = (index: number): { stack: Stack; infrastructure: MetaflowInfrastructure } => {
    const chunk = Math.floor(index / (props.flowsPerStack ?? FLOWS_PER_STACK));
    if (!stacks.has(chunk)) {
      const stack = new Stack(app, chunk === 0 ? props.stackName : `${props.stackName}-${chunk + 1}`);
      const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow', {
        computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand({ maxVcpus: 16 }) },
        queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['cpu'] }],
      });
      stacks.set(chunk, { stack, infrastructure });
    }
    return stacks.get(chunk)!;
  };
  for (const [index, flow] of props.flows.entries()) {
    const { stack, infrastructure } = stackOf(index);
    try {
      new MetaflowFlow(stack, flow.id, {
        infrastructure,
        pythonFlowFile: path.join(flow.directory, 'test_flow.py'),
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
