import { analyzeFlow } from '../../../lib/graph/analyze';
import { chooseForeachStrategy, foreachBody, foreachStrategyLine, foreachStrategyOf } from '../../../lib/compile/foreach-strategy';
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

describe('foreachStrategyOf and foreachStrategyLine (the CLI graph annotation)', () => {
  it('uses the compiler\'s choice for generic flows and the Metaflow choice for imported Metaflow flows', () => {
    const generic = analyzeFlow(FOREACH);
    const start = generic.nodes.get('start')!;
    expect(foreachStrategyOf(generic, start).strategy).toBe(chooseForeachStrategy(generic, start, OPTIONS).strategy);
    expect(foreachStrategyLine(start, generic)).toBe('foreach strategy: array-job (Batch array jobs)');
    expect(foreachStrategyLine(generic.nodes.get('body1')!, generic)).toBeUndefined();
    const metaflow = analyzeFlow({ ...FOREACH, runtime: { kind: 'metaflow', flowFile: 'f.py', flowClass: 'F' } });
    expect(foreachStrategyOf(metaflow, metaflow.nodes.get('start')!).strategy).toBe('array-job');
    expect(foreachStrategyLine(metaflow.nodes.get('start')!, metaflow)).toBe('foreach strategy: array-job (Batch array jobs)');
    expect(foreachStrategyLine(metaflow.nodes.get('start')!, metaflow, { foreachStrategies: { start: 'inline-map' } })).toBe('foreach strategy: inline-map (inline Map)');
  });
});
