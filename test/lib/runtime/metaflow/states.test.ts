import * as fs from 'fs';
import * as path from 'path';
import {
  METAFLOW_SUBMIT_RETRY, METAFLOW_TASK_OUTPUT_PATH, metaflowCardinalityState, metaflowForeachMapState, metaflowForeachStateNames, metaflowParallelStateName,
} from '../../../../lib/runtime/metaflow/states';
import { FIXTURES, FIXTURE_FLOWS, recorded } from './fixture-deployment';
import { everyState } from '../../../../lib/compile/asl';

type States = Record<string, Record<string, unknown>>;
const definitionOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8')) as { States: States };
describe.each(FIXTURE_FLOWS)('state shapes of %s equal Metaflow\'s', (dir) => {
  const fixture = recorded(dir);
  const states = Object.fromEntries(everyState(definitionOf(dir).States)) as States;

  test('foreach: the cardinality read and the Map', () => {
    for (const node of fixture.graph.nodes.values()) {
      if (node.type !== 'foreach') continue;
      const names = metaflowForeachStateNames(node.outFuncs[0]);
      expect(states[names.cardinality]).toEqual(metaflowCardinalityState(fixture.deployment.dynamoDbTable!, names.map));
      const map = states[names.map] as { Iterator: { States: Record<string, unknown> } };
      expect(map).toEqual(metaflowForeachMapState(node.outFuncs[0], node.matchingJoin!, map.Iterator.States));
    }
  });

  test('split: the Parallel state name', () => {
    for (const node of fixture.graph.nodes.values()) {
      if (node.type === 'split') expect(states[metaflowParallelStateName(node.outFuncs)]).toMatchObject({ Type: 'Parallel', Next: node.matchingJoin });
    }
  });

  test('every Batch task: output path and submit retry', () => {
    for (const state of Object.values(states).filter((s) => String(s.Resource).includes(':batch:'))) {
      expect(state.OutputPath).toBe(METAFLOW_TASK_OUTPUT_PATH);
      expect(state.Retry).toEqual(METAFLOW_SUBMIT_RETRY);
    }
  });
});
