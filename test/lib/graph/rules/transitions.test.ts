import { expectProblem, expectValid, flow, step } from '../flows';

describe('transition rules', () => {
  it('refuses an end step with a next (Metaflow end_has_next fixture)', () => {
    expectProblem(flow([step('start', ['end']), step('end', ['cleanup']), step('cleanup')]), {
      where: 'flow "TestFlow" step "end"',
      field: 'next',
      message: /end step end has outgoing transitions/,
    });
  });

  it('refuses an end step that is a join', () => {
    expectProblem(flow([step('start', ['a', 'b']), step('a', ['end']), step('b', ['end']), step('end', [], { join: true })]), { field: 'join', message: /must not be a join/ });
  });

  it('refuses a step without next that is not the end', () => {
    expectProblem(flow([step('start', ['a', 'end']), step('a'), step('end')]), { where: /step "a"/, field: 'next', message: /no transition/ });
  });

  it('refuses a transition to an unknown step (Metaflow undefined_next fixture)', () => {
    expectProblem(flow([step('start', ['does_not_exist']), step('end')]), {
      where: /step "start"/,
      field: 'next',
      value: 'does_not_exist',
      message: /transition to an unknown step, does_not_exist/,
    });
  });

  it('refuses a transition back to the start step', () => {
    expectProblem(flow([step('start', ['a']), step('a', ['start', 'end']), step('end')]), { field: 'next', value: 'start', message: /no incoming transitions/ });
  });

  it('refuses foreach and numParallel together, and a foreach with two next steps', () => {
    expectProblem(flow([step('start', ['a'], { foreach: 'xs', numParallel: 2 }), step('a', ['j']), step('j', ['end'], { join: true }), step('end')]), { field: 'foreach', message: /both foreach and numParallel/ });
    expectProblem(flow([step('start', ['a', 'b'], { foreach: 'xs' }), step('a', ['j']), step('b', ['j']), step('j', ['end'], { join: true }), step('end')]), { field: 'next', message: /foreach split with 2 next steps/ });
  });

  it('refuses a step that is both a join and a split', () => {
    expectProblem(
      flow([step('start', ['a', 'b']), step('a', ['j']), step('b', ['j']), step('j', ['c', 'd'], { join: true }), step('c', ['k']), step('d', ['k']), step('k', ['end'], { join: true }), step('end')]),
      { where: /step "j"/, field: 'join', message: /both a join step and a split step/ },
    );
  });

  it('refuses the same next step twice', () => {
    expectProblem(flow([step('start', ['a', 'a']), step('a', ['end']), step('end')]), { field: 'next', message: /more than once/ });
  });

  it('names a loop by its path (Metaflow cycle fixture)', () => {
    expectProblem(flow([step('start', ['a']), step('a', ['b']), step('b', ['a']), step('end')]), { field: 'next', message: /loop in your flow: a->b->a/ });
  });

  it('reports an unreachable step (Metaflow unreachable fixture)', () => {
    expectProblem(flow([step('start', ['end']), step('orphan', ['end']), step('end')]), {
      where: /step "orphan"/,
      field: 'name',
      message: /orphan is unreachable from the entry step start/,
    });
  });

  it('accepts a branch whose branches have different lengths', () => {
    expectValid(flow([step('start', ['a', 'b']), step('a', ['j']), step('b', ['b2']), step('b2', ['j']), step('j', ['end'], { join: true }), step('end')]));
  });
  describe('switches (Metaflow\'s check_switch_splits and check_ambiguous_joins)', () => {
    const metaflow = { runtime: { kind: 'metaflow' as const, flowFile: 'f.py', flowClass: 'F' } };
    const switchFlow = (cases: Record<string, string>, next = [...new Set(Object.values(cases))], extra: object = {}) =>
      flow([step('start', next, { switch: { condition: 'mode', cases }, ...extra }), step('a', ['end']), step('b', ['end']), step('end')], metaflow);

    it('accepts a switch between two steps', () => {
      expectValid(switchFlow({ x: 'a', y: 'b' }));
    });

    it('refuses a switch in a flow that is not a Metaflow flow, saying how to branch instead', () => {
      const problems = expectProblem({ ...switchFlow({ x: 'a', y: 'b' }), runtime: undefined }, { where: /step "start"/, field: 'switch', value: 'mode', message: /only a Metaflow flow can run/ });
      expect(problems.find((p) => p.field === 'switch')!.fix).toMatch(/replace the switch with a branch/);
    });

    it('refuses a switch that leads to one step only', () => {
      expectProblem(
        flow([step('start', ['a'], { switch: { condition: 'mode', cases: { x: 'a', y: 'a' } } }), step('a', ['end']), step('end')], metaflow),
        { field: 'switch.cases', message: /leads to 1 step\(s\); a switch needs at least 2/ },
      );
    });

    it('refuses cases that disagree with next', () => {
      expectProblem(switchFlow({ x: 'a', y: 'b' }, ['a', 'end']), { field: 'switch.cases', message: /lead to a and b, but its next is a and end/ });
    });

    it('refuses a switch that is also a foreach', () => {
      expectProblem(switchFlow({ x: 'a', y: 'b' }, ['a', 'b'], { foreach: 'items' }), { field: 'switch', message: /also a foreach split/ });
    });

    it('refuses a case that leads straight to a join', () => {
      const doc = flow([
        step('start', ['p', 'q']),
        step('p', ['c', 'j'], { switch: { condition: 'mode', cases: { x: 'c', y: 'j' } } }), step('c', ['j']),
        step('q', ['j']), step('j', ['end'], { join: true }), step('end'),
      ], metaflow);
      expectProblem(doc, { where: /step "p"/, field: 'switch.cases', value: 'j', message: /a conditional path cannot lead directly to a join step/ });
    });
  });
});
