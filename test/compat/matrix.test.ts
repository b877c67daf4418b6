import { byGraph, sliceOf, type Combination } from '../../compat/metaflow-core/matrix';

const combination = (test: string, graph: string, kind: Combination['kind'], steps: number, priority = 1): Combination => ({
  test, graph, kind, steps, priority, reason: '', flowName: `${test}Flow`, shouldFail: false, parallel: false, foreach: false,
});

describe('sliceOf', () => {
  test('takes every test once, on its smallest graph python3-sfn runs', () => {
    const slice = sliceOf([
      combination('A', 'nested-branches', 'sfn', 19),
      combination('A', 'single-linear-step', 'sfn', 3),
      combination('A', 'small-parallel', 'beyond', 3),
      combination('B', 'simple-foreach', 'sfn', 5),
    ]);
    expect(slice.map((c) => `${c.test}@${c.graph}`)).toEqual(['A@single-linear-step', 'B@simple-foreach']);
  });

  test('a test only this project runs is sliced on its smallest beyond graph', () => {
    const slice = sliceOf([combination('P', 'small-parallel', 'beyond', 3), combination('P', 'bigger', 'beyond', 9)]);
    expect(slice.map((c) => c.graph)).toEqual(['small-parallel']);
  });

  test('not-applicable combinations never enter the slice; ties go to the graph name', () => {
    const slice = sliceOf([
      combination('R', 'single-linear-step', 'not-applicable', 3),
      combination('T', 'zeta', 'sfn', 4),
      combination('T', 'alpha', 'sfn', 4),
    ]);
    expect(slice.map((c) => `${c.test}@${c.graph}`)).toEqual(['T@alpha']);
  });

  test('orders by the suite priority, then name', () => {
    const slice = sliceOf([combination('Z', 'g', 'sfn', 3, 0), combination('A', 'g', 'sfn', 3, 2), combination('M', 'g', 'sfn', 3, 0)]);
    expect(slice.map((c) => c.test)).toEqual(['M', 'Z', 'A']);
  });
});

test('byGraph groups combinations per graph (one CDK app each)', () => {
  const groups = byGraph([combination('A', 'g1', 'sfn', 3), combination('B', 'g2', 'sfn', 3), combination('C', 'g1', 'sfn', 3)]);
  expect([...groups].map(([g, cs]) => `${g}:${cs.map((c) => c.test).join('')}`)).toEqual(['g1:AC', 'g2:B']);
});
