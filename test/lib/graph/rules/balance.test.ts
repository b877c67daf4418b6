import { validateFlow } from '../../../../lib/graph';
import { expectProblem, expectValid, flow, step } from '../flows';

describe('split/join balance rules', () => {
  it('refuses a split never joined before the end (Metaflow missing_join fixture)', () => {
    expectProblem(flow([step('start', ['a', 'b']), step('a', ['end']), step('b', ['end']), step('end')]), {
      where: /step "end"/,
      field: 'split',
      value: 'start',
      message: /terminal step end was reached before a split started at step\(s\) a, b were joined/,
    });
  });

  it('says how to add the join in the flow\'s own language: JSON for a document, Python for an imported flow', () => {
    const missingJoin = flow([step('start', ['a', 'b']), step('a', ['end']), step('b', ['end']), step('end')]);
    const fixOf = (doc: typeof missingJoin) => validateFlow(doc).find((p) => p.field === 'split')!.fix;
    expect(fixOf(missingJoin)).toBe('add a join step ("join": true) after a and b and before end');
    expect(fixOf({ ...missingJoin, runtime: { kind: 'metaflow', flowFile: 'f.py', flowClass: 'F' } })).toBe('add a join step (def join(self, inputs)) after a and b and before end');
  });

  it('refuses a foreach never joined', () => {
    expectProblem(flow([step('start', ['a'], { foreach: 'xs' }), step('a', ['end']), step('end')]), { field: 'split', value: 'start', message: /before a split started at step\(s\) a were joined/ });
    expectValid(flow([step('start', ['a'], { foreach: 'xs' }), step('a', ['j']), step('j', ['end'], { join: true }), step('end')]));
  });

  it('refuses a join without a split', () => {
    expectProblem(flow([step('start', ['j']), step('j', ['end'], { join: true }), step('end')]), { where: /step "j"/, field: 'join', message: /not preceded by a split/ });
  });

  it('refuses a join reached by fewer paths than its split has branches', () => {
    expectProblem(
      // a and b meet in the linear step m first, so only two paths (m, c) reach j.
      flow([step('start', ['a', 'b', 'c']), step('a', ['m']), step('b', ['m']), step('m', ['j']), step('c', ['j']), step('j', ['end'], { join: true }), step('end')]),
      { where: /step "j"/, field: 'join', message: /2 step\(s\) \(c, m\) lead to it from 2 branch\(es\) \([a-c], [a-c]\); it was expecting 3 incoming path/ },
    );
  });

  // outer split start -> a, b; a splits again into a1, a2; j joins a1 and b: unrelated splits.
  const crossJoin = () =>
    flow([
      step('start', ['a', 'b']),
      step('a', ['a1', 'a2']),
      step('a1', ['j']),
      step('a2', ['k']),
      step('b', ['j']),
      step('j', ['k'], { join: true }),
      step('k', ['end'], { join: true }),
      step('end'),
    ]);

  it('refuses a join that joins the wrong split (cross-join)', () => {
    expectProblem(crossJoin(), { where: /step "j"/, field: 'join', message: /unrelated splits: b do not belong to the split at a/ });
  });

  it('reports one balance problem per step, not one per path through a broken join', () => {
    const problems = validateFlow(crossJoin());
    const steps = problems.map((p) => /step "(\w+)"/.exec(p.where)?.[1]);
    expect(steps).toEqual([...new Set(steps)]);
    // The first mistake (j) is named for what it is, not as a consequence of another path.
    expect(problems.find((p) => p.where.endsWith('step "j"'))?.message).toMatch(/unrelated splits/);
  });

  it('refuses a step that merges branches without being a join', () => {
    expectProblem(flow([step('start', ['a', 'b']), step('a', ['m']), step('b', ['m']), step('m', ['end']), step('end')]), {
      where: /step "m"/,
      field: 'join',
      message: /2 incoming transitions \(a, b\) but is not a join/,
    });
  });

  describe('switches', () => {
    const metaflow = { runtime: { kind: 'metaflow' as const, flowFile: 'f.py', flowClass: 'F' } };
    const sw = (condition: string, cases: Record<string, string>) => ({ switch: { condition, cases } });

    it('lets the alternatives of a switch meet in any step, and a join count a branch holding a switch once', () => {
      expectValid(flow([
        step('start', ['a', 'b'], sw('mode', { x: 'a', y: 'b' })),
        step('a', ['m']), step('b', ['m']), step('m', ['end']), step('end'),
      ], metaflow));
      expectValid(flow([
        step('start', ['left', 'right']),
        step('left', ['c', 'd'], sw('side', { c: 'c', d: 'd' })), step('c', ['j']), step('d', ['j']),
        step('right', ['j']), step('j', ['end'], { join: true }), step('end'),
      ], metaflow));
    });

    it('still refuses branches of a static split meeting outside a join after a switch elsewhere', () => {
      expectProblem(flow([
        step('start', ['s', 't'], sw('mode', { x: 's', y: 't' })), step('t', ['end']),
        step('s', ['a', 'b']), step('a', ['m']), step('b', ['m']), step('m', ['j']), step('j', ['end'], { join: true }), step('end'),
      ], metaflow), { where: /step "m"/, field: 'join', message: /2 incoming transitions \(a, b\) but is not a join/ });
    });

    it('allows a switch to choose itself again, and no other loop', () => {
      expectValid(flow([step('start', ['loop']), step('loop', ['loop', 'end'], sw('again', { yes: 'loop', no: 'end' })), step('end')], metaflow));
      expectProblem(
        flow([step('start', ['a']), step('a', ['b', 'end'], sw('again', { yes: 'b', no: 'end' })), step('b', ['a']), step('end')], metaflow),
        { field: 'next', message: /there is a loop in your flow: a->b->a/ },
      );
    });
  });

  it('refuses a foreach followed immediately by its join', () => {
    expectProblem(flow([step('start', ['j'], { foreach: 'xs' }), step('j', ['end'], { join: true }), step('end')]), { where: /step "start"/, field: 'next', message: /followed immediately by the join/ });
  });

  it('accepts nested foreach and a branch inside a foreach body', () => {
    expectValid(
      flow([
        step('start', ['row'], { foreach: 'rows' }),
        step('row', ['cell'], { foreach: 'cols' }),
        step('cell', ['x', 'y']),
        step('x', ['xy']),
        step('y', ['xy']),
        step('xy', ['jc'], { join: true }),
        step('jc', ['jr'], { join: true }),
        step('jr', ['end'], { join: true }),
        step('end'),
      ]),
    );
  });

  describe('parallel', () => {
    const parallelFlow = (train: Record<string, unknown>, start: Record<string, unknown> = { numParallel: 2 }) =>
      flow([step('start', ['train'], start), step('train', ['gather'], train), step('gather', ['end'], { join: true }), step('end')]);

    it('accepts num_parallel into a parallel step followed by a join', () => {
      expectValid(parallelFlow({ parallel: true }));
    });

    it('refuses num_parallel into a step that is not parallel', () => {
      expectProblem(parallelFlow({}), { where: /step "train"/, field: 'parallel', message: /not a parallel step/ });
    });

    it('refuses a parallel step reached without num_parallel', () => {
      expectProblem(parallelFlow({ parallel: true }, { foreach: 'xs' }), { where: /step "train"/, field: 'parallel', message: /without numParallel/ });
    });

    it('refuses a parallel step not followed by a join', () => {
      expectProblem(
        flow([step('start', ['train'], { numParallel: 2 }), step('train', ['after'], { parallel: true }), step('after', ['gather']), step('gather', ['end'], { join: true }), step('end')]),
        { where: /step "train"/, field: 'next', message: /must be followed by a join/ },
      );
    });
  });
});
