import { analyzeFlow, assertValidFlow, nodeTypeOf, validateFlow } from '../../../lib/graph';
import { FlowDocument, StepSpec } from '../../../lib/graph/model';
import { isValidationError } from '../../../lib/errors';
import { METAFLOW_GRAPH_FLOWS, MetaflowGraph, readMetaflowGraph } from './metaflow-graph';

/** The flow document of a Metaflow fixture flow: transitions, foreach, switch and join-ness (argument count) only. */
function documentOf(graph: MetaflowGraph): FlowDocument {
  const steps: StepSpec[] = Object.entries(graph.nodes).map(([name, node]) => ({
    name,
    next: node.out_funcs,
    ...(node.foreach_param ? { foreach: node.foreach_param } : {}),
    ...(node.num_parallel > 0 ? { numParallel: node.num_parallel } : {}),
    ...(node.num_args > 1 ? { join: true } : {}),
    ...(node.condition ? { switch: { condition: node.condition, cases: node.switch_cases ?? {} } } : {}),
  }));
  return { version: 1, name: graph.flow, runtime: { kind: 'metaflow', flowFile: 'flow.py', flowClass: graph.flow }, steps };
}

const fixtureFlows = METAFLOW_GRAPH_FLOWS;

describe('analyzeFlow agrees with Metaflow graph.json', () => {
  it('finds the recorded fixture flows', () => {
    expect(fixtureFlows.length).toBeGreaterThanOrEqual(7);
  });

  it.each(fixtureFlows)('%s', (flow) => {
    const recorded = readMetaflowGraph(flow);
    const doc = documentOf(recorded);
    expect(validateFlow(doc)).toEqual([]);
    const graph = analyzeFlow(doc);
    expect(graph.start).toBe(recorded.start_step);
    expect(graph.end).toBe(recorded.end_step);
    expect(graph.sortedNames).toEqual(recorded.sorted_nodes);
    for (const [name, expected] of Object.entries(recorded.nodes)) {
      const node = graph.nodes.get(name)!;
      expect({
        name,
        type: node.type,
        inFuncs: node.inFuncs,
        outFuncs: node.outFuncs,
        splitParents: node.splitParents,
        splitBranches: node.splitBranches,
        matchingJoin: node.matchingJoin ?? null,
        isInsideForeach: node.isInsideForeach,
        foreachParam: node.foreachParam ?? null,
      }).toEqual({
        name,
        type: expected.type,
        inFuncs: expected.in_funcs,
        outFuncs: expected.out_funcs,
        splitParents: expected.split_parents,
        splitBranches: expected.split_branches,
        matchingJoin: expected.matching_join,
        isInsideForeach: expected.is_inside_foreach,
        foreachParam: expected.foreach_param,
      });
    }
  });
});

function step(name: string, next: string[], extra: Partial<StepSpec> = {}): StepSpec {
  return { name, next, ...extra };
}

describe('analyzeFlow', () => {
  it('orders a branch inside a foreach topologically and marks the body as inside the foreach', () => {
    const doc: FlowDocument = {
      version: 1,
      name: 'BranchInForeach',
      steps: [
        step('start', ['body'], { foreach: 'items' }),
        step('body', ['a', 'b']),
        step('a', ['inner_join']),
        step('b', ['inner_join']),
        step('inner_join', ['outer_join'], { join: true }),
        step('outer_join', ['end'], { join: true }),
        step('end', []),
      ],
    };
    expect(validateFlow(doc)).toEqual([]);
    const graph = analyzeFlow(doc);
    expect(graph.sortedNames).toEqual(['start', 'body', 'a', 'b', 'inner_join', 'outer_join', 'end']);
    expect(graph.nodes.get('body')).toMatchObject({ type: 'split', matchingJoin: 'inner_join', isInsideForeach: true });
    expect(graph.nodes.get('inner_join')).toMatchObject({ splitParents: ['start', 'body'], inFuncs: ['a', 'b'], isInsideForeach: true });
    expect(graph.nodes.get('outer_join')).toMatchObject({ splitParents: ['start'], isInsideForeach: false });
    expect(graph.nodes.get('start')).toMatchObject({ type: 'foreach', foreachParam: 'items', matchingJoin: 'outer_join' });
  });

  it('types a num_parallel split and treats its body as inside a foreach, as Metaflow does', () => {
    const doc: FlowDocument = {
      version: 1,
      name: 'Parallel',
      steps: [
        step('start', ['train'], { numParallel: 4 }),
        step('train', ['gather'], { parallel: true }),
        step('gather', ['end'], { join: true }),
        step('end', []),
      ],
    };
    expect(validateFlow(doc)).toEqual([]);
    const graph = analyzeFlow(doc);
    expect(graph.nodes.get('start')).toMatchObject({ type: 'split-parallel', numParallel: 4, matchingJoin: 'gather' });
    expect(graph.nodes.get('train')!.isInsideForeach).toBe(true);
    expect(graph.nodes.get('gather')!.isInsideForeach).toBe(false);
  });

  it('merges Metaflow defaults, then flow defaults, then the step (environment and tags key-wise)', () => {
    const doc: FlowDocument = {
      version: 1,
      name: 'Defaults',
      defaults: { cpu: 4, memory: 10000, queue: 'default', environment: { A: '1', B: '1' }, awsBatchTags: { team: 'x' }, secrets: ['s1'] },
      steps: [step('start', ['end'], { memory: 2048, environment: { B: '2' }, secrets: ['s2'] }), step('end', [])],
    };
    const { nodes } = analyzeFlow(doc);
    expect(nodes.get('start')!.step).toMatchObject({
      cpu: 4,
      memory: 2048,
      queue: 'default',
      timeoutSeconds: 5 * 24 * 3600,
      environment: { A: '1', B: '2' },
      awsBatchTags: { team: 'x' },
      secrets: ['s1', 's2'],
    });
    expect(nodes.get('end')!.step).toMatchObject({ cpu: 4, memory: 10000, environment: { A: '1', B: '1' } });
    expect(analyzeFlow({ ...doc, defaults: undefined }).nodes.get('end')!.step).toMatchObject({ cpu: 1, memory: 4096 });
  });

  it('honours start/end annotations and makes a one-step flow an end node', () => {
    const doc: FlowDocument = { version: 1, name: 'One', steps: [step('only', [], { start: true, end: true })] };
    expect(validateFlow(doc)).toEqual([]);
    const graph = analyzeFlow(doc);
    expect([graph.start, graph.end, graph.nodes.get('only')!.type]).toEqual(['only', 'only', 'end']);
  });

  it('gives start the type of its transition when it splits', () => {
    expect(nodeTypeOf(step('start', ['a', 'b']), true, false)).toBe('split');
    expect(nodeTypeOf(step('start', ['a']), true, false)).toBe('start');
  });

  it('stays linear in time on many sequential branches (memoised fallback), still topological', () => {
    const steps: StepSpec[] = [step('start', ['s0'])];
    const sections = 30;
    for (let i = 0; i < sections; i++) {
      steps.push(step(`s${i}`, [`a${i}`, `b${i}`]), step(`a${i}`, [`j${i}`]), step(`b${i}`, [`j${i}`]));
      steps.push(step(`j${i}`, [i + 1 < sections ? `s${i + 1}` : 'end'], { join: true }));
    }
    steps.push(step('end', []));
    const doc: FlowDocument = { version: 1, name: 'Wide', steps };
    const began = Date.now();
    const graph = analyzeFlow(doc);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(graph.sortedNames).toHaveLength(steps.length);
    const position = new Map(graph.sortedNames.map((n, i) => [n, i]));
    for (const s of steps) for (const n of s.next) expect(position.get(n)!).toBeGreaterThan(position.get(s.name)!);
    expect(graph.nodes.get('s29')!.matchingJoin).toBe('j29');
    expect(validateFlow(doc)).toEqual([]);
  });

  it('throws a ValidationError without a start step, and assertValidFlow reports every problem', () => {
    const doc: FlowDocument = { version: 1, name: 'NoStart', steps: [step('end', [])] };
    expect(() => analyzeFlow(doc)).toThrow(/no start step/);
    try {
      assertValidFlow({ version: 1, name: 'Bad', steps: [step('start', ['missing']), step('Bad', ['end']), step('end', [])] });
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(isValidationError(error)).toBe(true);
      const fields = (error as { problems: { field: string; value: unknown }[] }).problems.map((p) => [p.field, p.value]);
      expect(fields).toEqual(expect.arrayContaining([['next', 'missing'], ['name', 'Bad']]));
    }
  });
});
