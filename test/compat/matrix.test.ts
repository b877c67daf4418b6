import { byGraph, emptySelectionMessage, sliceOf, type Combination } from '../../compat/metaflow-core/matrix';

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

describe('emptySelectionMessage', () => {
  const base = 'the selection holds no combination to run: widen --tests/--graphs/--kinds';
  const na = (test: string, graph: string, reason: string): Combination => ({ ...combination(test, graph, 'not-applicable', 3), reason });

  test('says why when nothing selected can run anywhere', () => {
    expect(emptySelectionMessage([na('X', 'g1', 'needs packages'), na('X', 'g2', 'needs packages'), na('X', 's', 'no valid flow')])).toBe(
      `${base} (not applicable: X: needs packages; X: no valid flow)`,
    );
  });

  test('only says to widen when something could run under other --kinds, or the reasons are many', () => {
    expect(emptySelectionMessage([combination('W', 'g', 'beyond', 3)])).toBe(base);
    expect(emptySelectionMessage(['a', 'b', 'c', 'd'].map((r) => na('X', r, r)))).toBe(base);
    expect(emptySelectionMessage([])).toBe(base);
  });
});
