import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { syntheticFlow } from '../../../bench/compile/synthetic-flow';
import { MetaflowFlow } from '../../../constructs/flow';
import { countTransitions } from '../../../lib/compile/transitions';
import { definitionFromTemplate, testInfrastructure } from './test-infrastructure';

describe('a 200-step flow', () => {
  let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  let flow: MetaflowFlow;

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'eu-west-1' } });
    flow = new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), flow: syntheticFlow(200), image: 'node:22-slim' });
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  it('synthesizes in one stack, far below the 500-resource limit, with a definition below 1 MB', () => {
    expect(Object.keys(resources).length).toBeLessThan(500);
    const machine = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const definition = definitionFromTemplate(machine.Properties.DefinitionString);
    expect(JSON.stringify(definition).length).toBeLessThan(1024 * 1024);
    expect(Object.keys(definition.States as object).length).toBeGreaterThan(100);
  });

  it('shares job definitions between steps with equal settings', () => {
    const jds = Object.values(resources).filter((r) => r.Type === 'AWS::Batch::JobDefinition');
    expect(jds.length).toBeLessThan(10);
    expect(flow.plan.steps.size).toBe(200);
  });

  it('keeps every ContainerOverrides far below Batch 8,192 characters', () => {
    const overrides: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'ContainerOverrides') overrides.push(JSON.stringify(v));
          walk(v);
        }
      }
    };
    walk(flow.definition);
    expect(overrides.length).toBeGreaterThan(200);
    expect(Math.max(...overrides.map((o) => o.length))).toBeLessThan(2048);
  });

  it('runs with transitions independent of the foreach width', () => {
    expect(countTransitions(flow.definition, { width: 100_000 })).toBe(countTransitions(flow.definition, { width: 1_000 }));
  });
});
