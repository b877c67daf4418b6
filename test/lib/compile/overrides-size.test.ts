import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../lib/compile/plan';
import { BATCH_MAX_OVERRIDES_CHARS } from '../../../lib/compile/options';
import { ValidationError } from '../../../lib/errors';
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
