/**
 * The benchmark app: `bench/metaflow-scale/flow/flow.py` (start -> foreach(width) -> square -> join -> end) deployed by
 * MetaflowFlow with its default array-job foreach. Run as a script it synthesizes into the directory given as its
 * argument, so the measuring process does not hold the CDK.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { e2eInfrastructure } from '../../test/support/metaflow-e2e';

export const FLOW_DIR = path.join(__dirname, 'flow');
export const FLOW_NAME = 'WideForeachFlow';

export function synthesizeScaleApp(outdir: string): MetaflowFlow {
  const app = new App({ outdir });
  const stack = new Stack(app, 'MetaflowScale');
  const infrastructure = e2eInfrastructure(stack);
  const flow = new MetaflowFlow(stack, 'Wide', { infrastructure, pythonFlowFile: path.join(FLOW_DIR, 'flow.py'), image: 'python:3.11' });
  app.synth();
  return flow;
}

if (require.main === module) synthesizeScaleApp(process.argv[2]);
