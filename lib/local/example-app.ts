import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { addExampleFlows } from '../../examples/flows';

/**
 * A small app with the example flows on a one-queue infrastructure, synthesized to a temp directory.
 * Used when the app at hand does not contain the example flows (the local engine needs only the templates).
 */
export function synthesizeExampleApp(outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'metaflow-cdk-examples-'))): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'MetaflowExamples');
  const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow', {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }) },
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
  });
  addExampleFlows(stack, infrastructure);
  app.synth();
  return outdir;
}
