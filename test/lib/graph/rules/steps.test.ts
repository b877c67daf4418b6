import { expectProblem, expectValid, flow, linearFlow, step } from '../flows';

describe('step-level rules', () => {
  const foreachFlow = (start: Record<string, unknown>) =>
    flow([step('start', ['a'], { foreach: 'xs', ...start }), step('a', ['j']), step('j', ['end'], { join: true }), step('end')]);

  it('refuses a foreach variable that is not an identifier', () => {
    expectProblem(foreachFlow({ foreach: 'my-items' }), { field: 'foreach', value: 'my-items' });
    expectValid(foreachFlow({ foreach: 'my_items' }));
  });

  it('refuses catch on a foreach step (Metaflow refuses it) but accepts it in the body', () => {
    expectProblem(foreachFlow({ catch: { var: 'err' } }), { where: /step "start"/, field: 'catch' });
    expectValid(flow([step('start', ['a'], { foreach: 'xs' }), step('a', ['j'], { catch: { var: 'err' } }), step('j', ['end'], { join: true }), step('end')]));
  });

  it('refuses numParallel below 1', () => {
    const parallel = (n: number) => flow([step('start', ['t'], { numParallel: n }), step('t', ['j'], { parallel: true }), step('j', ['end'], { join: true }), step('end')]);
    expectProblem(parallel(0), { field: 'numParallel', value: 0 });
    expectValid(parallel(1));
  });

  it('does not repeat a problem that only the defaults cause on each step', () => {
    const problems = expectProblem(linearFlow({ defaults: { cpu: 0.25, memory: 4096 } }), { where: 'flow "TestFlow" defaults', field: 'memory' });
    expect(problems.filter((p) => p.field === 'memory')).toHaveLength(1);
  });
});
