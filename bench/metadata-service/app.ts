/** Synthesizes the benchmark's Python flow (the linear fixture, compiled with local metadata) into the given folder. */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { e2eInfrastructure } from '../../test/support/metaflow-e2e';

const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Bench');
new MetaflowFlow(stack, 'Linear', {
  infrastructure: e2eInfrastructure(stack),
  pythonFlowFile: path.resolve(__dirname, '../../test/fixtures/metaflow/linear_flow/flow.py'),
  image: 'python:3.11',
});
app.synth();
