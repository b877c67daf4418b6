/**
 * The static figures of a Python flow at scale: container overrides per fixture flow (Metaflow's own compiled machine
 * against ours), the DynamoDB items of an array-job foreach, and the state transitions of the bench flow by width.
 *
 *   npx tsx bench/metaflow-scale/sizes.ts
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { everyState, type AslDefinition } from '../../lib/compile/asl';
import { countTransitions } from '../../lib/compile/transitions';
import { DEFAULT_MAX_WORKERS } from '../../lib/graph/model';
import {
  DYNAMODB_ITEM_MAX_BYTES,
  joinSetItemBytes,
  METAFLOW_ARRAY_FOREACH_MAX_WIDTH,
  metaflowCardinalityItemBytes,
} from '../../lib/runtime/metaflow/array-foreach';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { definitionFromTemplate, testInfrastructure } from '../../test/constructs/flow/test-infrastructure';
import { synthesizeScaleApp } from './app';

const FIXTURES = path.resolve(__dirname, '../../test/fixtures/metaflow');
const DIRS = fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'sfn.json')));

type Submitted = { ContainerOverrides?: unknown; NodeOverrides?: { NodePropertyOverrides?: Array<{ ContainerOverrides?: unknown }> } };
function overridesSizes(definition: { States: Record<string, Record<string, unknown>> }): number[] {
  return everyState(definition.States)
    .filter(([, s]) => s.Type === 'Task' && String(s.Resource).includes('batch:submitJob'))
    .flatMap(([, s]) => {
      const p = s.Parameters as Submitted;
      return (p.NodeOverrides?.NodePropertyOverrides?.map((n) => n.ContainerOverrides) ?? [p.ContainerOverrides]).map((o) => (o === undefined ? 0 : JSON.stringify(o).length));
    });
}

const range = (sizes: number[]) => `${Math.min(...sizes).toLocaleString('en-US')}–${Math.max(...sizes).toLocaleString('en-US')}`;

const stack = new Stack(new App(), 'Sizes', { env: { account: '123456789012', region: 'us-east-1' } });
const infrastructure = testInfrastructure(stack, { cpu: { gpu: true, neuron: true }, 'gpu-q': { gpu: true } });
console.log('## Container overrides per Batch Task (characters of the JSON, as Batch counts them; limit 8,192)\n');
console.log("| fixture flow | Metaflow's `step-functions create` | metaflow-cdk |");
console.log('|---|---|---|');
for (const dir of DIRS) {
  const theirs = overridesSizes(JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8')));
  const flow = new MetaflowFlow(stack, dir, { infrastructure, pythonFlowFile: path.join(FIXTURES, dir, 'flow.py'), image: 'python:3.11', metaflow: { serviceUrl: 'http://metadata.internal:8080' } });
  const ours = overridesSizes(definitionFromTemplate(stack.resolve((flow.stateMachine.node.defaultChild as CfnStateMachine).definitionString)) as never);
  console.log(`| ${dir} | ${range(theirs)} | ${range(ours)}${dir === 'parallel_flow' ? ' (the multi-node step keeps its per-node-range overrides)' : ''} |`);
}

console.log('\n## DynamoDB items of an array-job foreach (400 KB = 409,600 bytes)\n');
console.log('| width | cardinality item (Metaflow\'s) | largest join-set item |');
console.log('|---|---|---|');
for (const width of [10_000, 100_000, METAFLOW_ARRAY_FOREACH_MAX_WIDTH, METAFLOW_ARRAY_FOREACH_MAX_WIDTH + 1]) {
  const card = metaflowCardinalityItemBytes(width);
  console.log(`| ${width.toLocaleString('en-US')} | ${card.toLocaleString('en-US')} B${card > DYNAMODB_ITEM_MAX_BYTES ? ' (refused)' : ''} | ${joinSetItemBytes(width).toLocaleString('en-US')} B |`);
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-sizes-'));
const wide = synthesizeScaleApp(path.join(out, 'cdk.out'));
const definition = definitionFromTemplate(Stack.of(wide).resolve((wide.stateMachine.node.defaultChild as CfnStateMachine).definitionString)) as unknown as AslDefinition;
console.log(`\n## State transitions of start -> foreach(N) -> square -> join -> end (default maxWorkers ${DEFAULT_MAX_WORKERS})\n`);
console.log('| N | transitions | Metaflow\'s inline Map (2N+5) |');
console.log('|---|---|---|');
for (const width of [1, 100, 1_000, 10_000, 100_000, METAFLOW_ARRAY_FOREACH_MAX_WIDTH]) {
  console.log(`| ${width.toLocaleString('en-US')} | ${countTransitions(definition, { width })} | ${(2 * width + 5).toLocaleString('en-US')} |`);
}
fs.rmSync(out, { recursive: true, force: true });
