import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../lib/compile/plan';
import { BATCH_MAX_OVERRIDES_CHARS } from '../../../lib/compile/options';
import { ValidationError } from '../../../lib/errors';
import { definitionSizeProblems, STEP_FUNCTIONS_MAX_DEFINITION_BYTES } from '../../../lib/compile/definition-size';
import { LINEAR, OPTIONS } from './helpers';
import { recorded } from '../runtime/metaflow/fixture-deployment';

const fixture = recorded('linear_flow');
const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (k) => `jd-${k}`, jobQueueArn: (q) => q };
const queue = fixture.deployment.batchDefaults.queue.split('/').pop()!;
const options = { queues: [{ name: queue, capabilities: { platform: 'EC2' as const, gpu: false, neuron: false, spot: true, maxVcpus: 64 } }], defaultQueueName: queue, image: 'python:3.11', datastoreBucket: 'mf', datastorePrefix: 'metaflow' };

function build(environment: Record<string, string>) {
  const doc = fixture.graph.document;
  const steps = doc.steps.map((s) => (s.name === 'middle' ? { ...s, environment } : s));
  return buildMetaflowDefinition(planFlow({ ...doc, steps }, options), refs, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps });
}

describe('container overrides over Batch limit', () => {
  test('are refused at synth, naming the step and the size, with the way out', () => {
    let error: unknown;
    try {
      build({ BIG: 'x'.repeat(BATCH_MAX_OVERRIDES_CHARS) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ where: expect.stringContaining('step "middle"'), field: 'ContainerOverrides', message: expect.stringMatching(/come to \d+ characters; Batch refuses container overrides over 8192/), fix: expect.stringContaining('@environment') }),
    ]);
  });

  test('a step well under the bound compiles', () => {
    expect(() => build({ SMALL: 'x'.repeat(100) })).not.toThrow();
  });
});

describe('parameter defaults past Batch limit', () => {
  const withDefault = (value: string) => ({ ...LINEAR, parameters: [{ name: 'small', type: 'number' as const, default: 1 }, { name: 'notes', type: 'string' as const, default: value }] });

  test('are refused at synth, naming the largest default: every run without --param would fail its first job', () => {
    let error: unknown;
    try {
      planFlow(withDefault('x'.repeat(BATCH_MAX_OVERRIDES_CHARS)), OPTIONS);
    } catch (e) {
      error = e;
    }
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ where: 'flow "Linear"', field: 'parameters', message: expect.stringMatching(/defaults come to \d+ characters in each job's container overrides/), fix: expect.stringContaining('parameter "notes"') }),
    ]);
  });

  test('defaults within the bound plan', () => {
    expect(() => planFlow(withDefault('x'.repeat(4000)), OPTIONS)).not.toThrow();
  });
});

describe('a state machine definition over 1 MiB', () => {
  test('is refused, with its size and the way out', () => {
    const [problem] = definitionSizeProblems('flow "F"', 600, { States: { a: { Comment: 'x'.repeat(STEP_FUNCTIONS_MAX_DEFINITION_BYTES) } } });
    expect(problem).toMatchObject({ where: 'flow "F"', field: 'steps', value: '600 steps', message: expect.stringContaining('refuses one over 1048576 (1 MiB)'), fix: expect.stringContaining('split the flow') });
    expect(definitionSizeProblems('flow "F"', 2, { States: {} })).toEqual([]);
  });
});
