import { metaflowAttemptTimeout, metaflowResourceRequirements } from '../../../../lib/runtime/metaflow/resources';
import { retriesOf } from '../../../../lib/runtime/metaflow/step-protocol';
import { FIXTURE_FLOWS, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('resources, attempts and timeouts of %s match Metaflow', (dir) => {
  const fixture = recorded(dir);
  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s', (name, state) => {
    const node = fixture.graph.nodes.get(name)!;
    expect(metaflowResourceRequirements(node.step)).toEqual(state.Parameters.ContainerOverrides.ResourceRequirements);
    expect(retriesOf(node).attempts).toBe(state.Parameters.RetryStrategy.Attempts);
    expect(state.Parameters.ContainerOverrides.Command[2]).toContain(`--max-user-code-retries ${retriesOf(node).maxUserCodeRetries} `);
    expect(metaflowAttemptTimeout(node.step)).toBe(state.Parameters.Timeout.AttemptDurationSeconds);
  });
});

test('fractional vCPUs keep their fraction, GPUs and memory are whole', () => {
  expect(metaflowResourceRequirements({ name: 's', next: [], cpu: 0.25, memory: 512.7, gpu: 0 })).toEqual([
    { Type: 'VCPU', Value: '0.25' },
    { Type: 'MEMORY', Value: '512' },
  ]);
});
