import { analyzeFlow } from '../../../lib/graph/analyze';
import { chooseForeachStrategy, foreachBody } from '../../../lib/compile/foreach-strategy';
import { FOREACH, NESTED, OPTIONS } from './helpers';

describe('foreach strategy', () => {
  it('reads the body between the foreach and its join', () => {
    const graph = analyzeFlow(FOREACH);
    expect(foreachBody(graph, graph.nodes.get('start')!)).toEqual({ steps: ['body1', 'body2'], linear: true });
    const nested = analyzeFlow(NESTED);
    expect(foreachBody(nested, nested.nodes.get('start')!)).toEqual({ steps: ['fan', 'x', 'y', 'inner_join'], linear: false });
  });

  it('array-job for a chain, inline-map for a small nested body, distributed-map for a wide one', () => {
    const chain = analyzeFlow(FOREACH);
    expect(chooseForeachStrategy(chain, chain.nodes.get('start')!, OPTIONS).strategy).toBe('array-job');
    const small = analyzeFlow({ ...NESTED, maxNumSplits: 10 });
    expect(chooseForeachStrategy(small, small.nodes.get('start')!, OPTIONS).strategy).toBe('inline-map');
    const wide = analyzeFlow(NESTED);
    expect(chooseForeachStrategy(wide, wide.nodes.get('start')!, OPTIONS).strategy).toBe('distributed-map');
    expect(chooseForeachStrategy(wide, wide.nodes.get('start')!, { ...OPTIONS, inlineMapMaxWidth: 100 }).strategy).toBe('inline-map');
  });

  it('keeps chains with @catch off array jobs', () => {
    const doc = { ...FOREACH, steps: FOREACH.steps.map((s) => (s.name === 'body1' ? { ...s, catch: {} } : s)) };
    const graph = analyzeFlow(doc);
    expect(chooseForeachStrategy(graph, graph.nodes.get('start')!, OPTIONS).strategy).toBe('distributed-map');
    const forced = chooseForeachStrategy(graph, graph.nodes.get('start')!, { ...OPTIONS, foreachStrategies: { start: 'array-job' } });
    expect(forced.problems[0].message).toMatch(/@catch/);
  });
});
