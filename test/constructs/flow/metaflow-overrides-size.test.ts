import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { MetaflowFlow } from '../../../constructs/flow';
import { everyState } from '../../../lib/compile/asl';
import { METAFLOW_FIXTURES } from '../../support/fixtures';
import { definitionFromTemplate, testInfrastructure } from './test-infrastructure';

// Every fixture flow (Metaflow's own, as `step-functions create` compiled them, overrides 4.9-5.2 KB per step) deployed
// by MetaflowFlow: the overrides of every Batch Task that a run submits stay under 2 KiB, static values being in the
// job definition. Sizes are measured as Batch does, on the JSON of the overrides, with the deploy-time values (bucket
// names, ARNs) as CloudFormation placeholders of similar length. A metadata service is configured (a @parallel step
// needs one), which adds its URL to every job.

const TARGET = 2 * 1024;
const DIRS = fs.readdirSync(METAFLOW_FIXTURES).filter((d) => fs.existsSync(path.join(METAFLOW_FIXTURES, d, 'flow.py')) && d !== 'invalid');

interface Submitted {
  ContainerOverrides?: unknown;
  NodeOverrides?: { NodePropertyOverrides?: Array<{ ContainerOverrides?: unknown }> };
}

function overridesSizes(definition: { States: Record<string, Record<string, unknown>> }): Array<[string, number]> {
  return everyState(definition.States)
    .filter(([, state]) => state.Type === 'Task' && String(state.Resource).includes('batch:submitJob'))
    .flatMap(([name, state]) => {
      const parameters = state.Parameters as Submitted;
      const overrides = parameters.NodeOverrides?.NodePropertyOverrides?.map((n) => n.ContainerOverrides) ?? [parameters.ContainerOverrides];
      return overrides.map((o) => [name, o === undefined ? 0 : JSON.stringify(o).length] as [string, number]);
    });
}

describe('container overrides of the fixture flows', () => {
  const app = new App();
  const stack = new Stack(app, 'Overrides', { env: { account: '123456789012', region: 'us-east-1' } });
  const infrastructure = testInfrastructure(stack, { cpu: { gpu: true, neuron: true }, 'gpu-q': { gpu: true } });
  const flows = new Map(DIRS.map((dir) => [dir, new MetaflowFlow(stack, dir, { infrastructure, pythonFlowFile: path.join(METAFLOW_FIXTURES, dir, 'flow.py'), image: 'python:3.11', metaflow: { serviceUrl: 'http://metadata.internal:8080' } })]));
  const definitionOf = (flow: MetaflowFlow) => definitionFromTemplate(stack.resolve((flow.stateMachine.node.defaultChild as CfnStateMachine).definitionString)) as never;

  test.each(DIRS.filter((d) => d !== 'parallel_flow'))('%s: every Batch Task\'s overrides are under 2 KiB', (dir) => {
    const sizes = overridesSizes(definitionOf(flows.get(dir)!));
    expect(sizes.length).toBeGreaterThan(0);
    for (const [name, size] of sizes) expect({ name, size, under: size < TARGET }).toEqual({ name, size, under: true });
  });

  test('parallel_flow: single-node steps under 2 KiB; the multi-node step keeps its per-node-range overrides under Batch\'s 8,192', () => {
    const sizes = overridesSizes(definitionOf(flows.get('parallel_flow')!));
    for (const [, size] of sizes) expect(size).toBeLessThan(8192);
    expect(sizes.filter(([, size]) => size < TARGET).length).toBeGreaterThan(0);
  });
});
