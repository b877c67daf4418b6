import { suggestStepName } from '../../../../lib/graph/rules/step-names';
import { expectProblem, expectValid, flow, linearFlow, step } from '../flows';

describe('step name rules', () => {
  it('refuses a name outside [a-z0-9_] (Metaflow bad_step_name fixture) and suggests one', () => {
    const problems = expectProblem(
      flow([step('start', ['ProcessData']), step('ProcessData', ['end']), step('end')]),
      { field: 'name', value: 'ProcessData', message: /invalid name. Only lowercase ascii characters, underscores, and digits/ },
    );
    expect(problems.find((p) => p.value === 'ProcessData')!.fix).toContain('process_data');
    expectValid(flow([step('start', ['process_data_2']), step('process_data_2', ['end']), step('end')]));
  });

  it('refuses a leading underscore', () => {
    expectProblem(flow([step('start', ['_x']), step('_x', ['end']), step('end')]), { field: 'name', value: '_x' });
    expectValid(flow([step('start', ['x_']), step('x_', ['end']), step('end')]));
  });

  it('refuses names longer than 64 characters', () => {
    const long = 'a'.repeat(65);
    expectProblem(flow([step('start', [long]), step(long, ['end']), step('end')]), { field: 'name', value: long, message: /65 characters/ });
    const ok = 'a'.repeat(64);
    expectValid(flow([step('start', [ok]), step(ok, ['end']), step('end')]));
  });

  it.each(['name', 'next', 'input', 'index', 'cmd'])('refuses the reserved step name %s', (reserved) => {
    expectProblem(flow([step('start', [reserved]), step(reserved, ['end']), step('end')]), { field: 'name', value: reserved, message: /reserved word/ });
  });

  it('accepts a name that merely contains a reserved word', () => {
    expectValid(flow([step('start', ['next_batch']), step('next_batch', ['end']), step('end')]));
  });

  it('refuses a step declared twice', () => {
    expectProblem(flow([step('start', ['end']), step('end'), step('end')]), { field: 'name', value: 'end', message: /declared twice/ });
  });

  it('needs a start and an end step', () => {
    expectProblem(flow([step('begin', ['end']), step('end')]), { field: 'steps', message: /no start step/ });
    expectProblem(flow([step('start', ['finish']), step('finish')]), { field: 'steps', message: /no end step/ });
    expectValid(flow([step('begin', ['finish'], { start: true }), step('finish', [], { end: true })]));
  });

  it('refuses two steps marked as start, and an annotation that conflicts with a step named start', () => {
    expectProblem(flow([step('a', ['end'], { start: true }), step('b', ['end'], { start: true }), step('end')]), { field: 'steps[].start', value: ['a', 'b'] });
    expectProblem(flow([step('begin', ['start'], { start: true }), step('start', ['end']), step('end')]), { field: 'start', message: /ambiguous/ });
  });

  it('suggests snake_case names', () => {
    expect(suggestStepName('ProcessData')).toBe('process_data');
    expect(suggestStepName('__x-y')).toBe('x_y');
    expect(suggestStepName('___')).toBe('step');
  });

  it('reports on the default linear flow nothing', () => {
    expectValid(linearFlow());
  });
});
