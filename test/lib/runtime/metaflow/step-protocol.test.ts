import { defaultParametersJson, needsDynamoDbTable, retriesOf, stepProtocol } from '../../../../lib/runtime/metaflow/step-protocol';
import { FIXTURE_FLOWS, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('protocol facts of %s agree with the recorded state machine', (dir) => {
  const fixture = recorded(dir);
  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s', (name, state) => {
    const env = state.Parameters.ContainerOverrides.Environment.map((e) => e.Name);
    const script = state.Parameters.ContainerOverrides.Command[2];
    const protocol = stepProtocol(fixture.graph, name, fixture.deployment);
    expect(needsDynamoDbTable(fixture.graph, name)).toBe(env.includes('METAFLOW_SFN_DYNAMO_DB_TABLE'));
    expect(protocol.takesSplitIndex).toBe(script.includes('--split-index $METAFLOW_SPLIT_INDEX'));
    expect(protocol.isForeachJoin).toBe(script.includes('set_batch_environment parent_tasks'));
    expect(script).toContain(` --input-paths ${protocol.inputPaths}`);
  });
});

describe('retries and parameters', () => {
  const fixture = recorded('retry_catch_timeout_flow');
  test('@retry times are user retries; @catch adds three fallback attempts', () => {
    expect(retriesOf(fixture.graph.nodes.get('combined')!)).toEqual({ maxUserCodeRetries: 4, attempts: 8 });
    expect(retriesOf(fixture.graph.nodes.get('risky')!)).toEqual({ maxUserCodeRetries: 0, attempts: 4 });
  });

  test('parameter defaults are sorted by name and skip parameters without one', () => {
    const params = recorded('params_flow');
    const json = defaultParametersJson(params.graph)!;
    expect(Object.keys(JSON.parse(json))).toEqual(['config', 'greeting', 'ratio', 'repeat', 'verbose']);
    expect(defaultParametersJson(fixture.graph)).toBeUndefined();
  });

  test('an unknown step is a ValidationError listing the steps', () => {
    expect(() => stepProtocol(fixture.graph, 'nope', fixture.deployment)).toThrow(/is not a step of the flow.*use one of: /);
  });
});

test('envOverrides replace protocol values in place and append new ones', () => {
  const fixture = recorded('foreach_flow');
  const { env } = stepProtocol(fixture.graph, 'upper', fixture.deployment, { envOverrides: { METAFLOW_SPLIT_INDEX: '$.ArrayIndex', EXTRA: 'x' } });
  const names = env.map(([k]) => k);
  const plain = stepProtocol(fixture.graph, 'upper', fixture.deployment).env.map(([k]) => k);
  expect(names).toEqual([...plain, 'EXTRA']);
  expect(env).toContainEqual(['METAFLOW_SPLIT_INDEX', '$.ArrayIndex']);
});
