import { assertValidFlow, validateFlow } from '../../../lib/graph';
import { ValidationError } from '../../../lib/errors';
import { flow, linearFlow, step } from './flows';
import { metaflowCheckOutput } from './metaflow-graph';

/** The broken flows of test/fixtures/metaflow/invalid as documents, with the words Metaflow's message and ours share. */
const INVALID: Array<[string, ReturnType<typeof flow>, string, RegExp]> = [
  ['bad_step_name', flow([step('start', ['ProcessData']), step('ProcessData', ['end']), step('end')]), 'ProcessData has an invalid name', /ProcessData has an invalid name/],
  ['cycle', flow([step('start', ['a']), step('a', ['b']), step('b', ['a']), step('end')]), 'There is a loop in your flow', /there is a loop in your flow/],
  ['end_has_next', flow([step('start', ['end']), step('end', ['cleanup']), step('cleanup')]), 'end has outgoing transitions', /end has outgoing transitions/],
  ['missing_join', flow([step('start', ['a', 'b']), step('a', ['end']), step('b', ['end']), step('end')]), 'step(s) a, b were joined', /step\(s\) a, b were joined/],
  ['undefined_next', flow([step('start', ['does_not_exist']), step('end')]), 'unknown step, does_not_exist', /unknown step, does_not_exist/],
  ['unreachable', flow([step('start', ['end']), step('orphan', ['end']), step('end')]), 'orphan is unreachable from the entry step start', /orphan is unreachable from the entry step start/],
];

describe('validateFlow', () => {
  it.each(INVALID)('reports what Metaflow reports for invalid/%s', (name, doc, metaflowWords, ours) => {
    expect(metaflowCheckOutput(name)).toContain(metaflowWords);
    const problems = validateFlow(doc);
    expect(problems.some((p) => ours.test(p.message))).toBe(true);
  });

  it('reports every problem of a graph at once, across rule families', () => {
    const doc = flow(
      [step('start', ['Work'], { retry: { times: 9 } }), step('Work', ['end'], { swappiness: 400 }), step('orphan', ['end']), step('end')],
      { name: '9lives', parameters: [{ name: 'next', type: 'number', default: 'x' }], schedule: { cron: '* * * * *', timezone: 'Moon/Base' }, triggers: [{ bucket: '' }] },
    );
    const problems = validateFlow(doc).map((p) => `${p.field}=${JSON.stringify(p.value)}`).sort();
    // flow name, step name Work, orphan unreachable, parameter "next" reserved; and one per other field.
    expect(problems).toEqual(
      ['bucket=""', 'cron="* * * * *"', 'default="x"', 'name="9lives"', 'name="Work"', 'name="orphan"', 'name="next"', 'retry.times=9', 'swappiness=400', 'timezone="Moon/Base"'].sort(),
    );
  });

  it('judges the shape of a document built without TypeScript first, since the rules trust it', () => {
    const doc = { ...linearFlow(), steps: [{ name: 'start', next: 'end', environment: { N: 1 } }, { name: 'end', next: [] }] } as never;
    expect(validateFlow(doc).map((p) => `${p.field}=${JSON.stringify(p.value)}: ${p.message}`)).toEqual(['next="end": must be of type array', 'environment.N=1: must be of type string']);
  });

  it('leaves a fraction where a whole number belongs to the rule that names the range', () => {
    expect(validateFlow(linearFlow({}, { memory: 4096.5 }))).toEqual([expect.objectContaining({ field: 'memory', message: 'must be a whole number from 4 or more MiB' })]);
  });

  it('skips the balance rules while transitions are broken, so one mistake is reported once', () => {
    const problems = validateFlow(flow([step('start', ['a', 'missing']), step('a', ['end']), step('end')]));
    expect(problems.map((p) => p.field)).toEqual(['next']);
    // The loop leaves end unreachable: only the loop is reported.
    expect(validateFlow(flow([step('start', ['a']), step('a', ['b']), step('b', ['a']), step('end')])).map((p) => p.message)).toEqual(['there is a loop in your flow: a->b->a']);
  });

  it('returns [] for a valid flow, and assertValidFlow returns its graph', () => {
    const doc = linearFlow();
    expect(validateFlow(doc)).toEqual([]);
    expect(assertValidFlow(doc).sortedNames).toEqual(['start', 'work', 'end']);
  });

  it('assertValidFlow throws one ValidationError holding every problem', () => {
    const doc = linearFlow({ maxWorkers: 0 }, { cpu: -1 });
    expect(() => assertValidFlow(doc)).toThrow(ValidationError);
    try {
      assertValidFlow(doc);
    } catch (error) {
      expect((error as ValidationError).problems.map((p) => p.field).sort()).toEqual(['cpu', 'maxWorkers']);
      expect((error as ValidationError).message).toMatch(/2 problems/);
    }
  });

  it('names the source location of a step when the document has one', () => {
    const doc = flow([step('start', ['Bad']), step('Bad', ['end'], { source: { file: 'flow.py', line: 12 } }), step('end')]);
    expect(validateFlow(doc).find((p) => p.field === 'name')!.where).toBe('flow "TestFlow" step "Bad" (flow.py:12)');
    expect(validateFlow(linearFlow({}, { retry: { times: 8 }, source: { file: 'flow.py', line: 12 } }))[0].where).toBe('flow "TestFlow" step "work" (flow.py:12)');
  });
});
