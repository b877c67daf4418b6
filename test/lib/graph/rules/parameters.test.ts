import { validateFlow } from '../../../../lib/graph/validate';
import { METAFLOW_RESERVED_PARAMETER_NAMES, parameterEnvKey, scheduledParameterProblems } from '../../../../lib/graph/rules/parameters';
import { ParameterSpec } from '../../../../lib/graph/model';
import { expectProblem, expectValid, linearFlow } from '../flows';

const withParams = (parameters: ParameterSpec[], changes = {}) => linearFlow({ parameters, ...changes });

describe('parameter rules', () => {
  it('an int parameter (integer: true) takes whole numbers: its default and its scheduled value; only a number may be one', () => {
    expectProblem(withParams([{ name: 'k', type: 'number', integer: true, default: 2.5 }]), { field: 'default', message: /whole-number parameter/ });
    expectValid(withParams([{ name: 'k', type: 'number', integer: true, default: 2 }]));
    expectProblem(withParams([{ name: 's', type: 'string', integer: true }]), { field: 'integer' });
    const int: ParameterSpec[] = [{ name: 'k', type: 'number', integer: true }];
    expect(scheduledParameterProblems('flow "F"', int, { k: 2.5 }, true)).toEqual([expect.objectContaining({ field: 'k', message: expect.stringMatching(/scheduled value of a whole-number parameter/) })]);
    expect(scheduledParameterProblems('flow "F"', int, { k: 2 }, true)).toEqual([]);
    // from JavaScript, a key present with no value
    expect(scheduledParameterProblems('flow "F"', [{ name: 'cfg', type: 'json' }], { cfg: undefined }, true)).toEqual([expect.objectContaining({ field: 'cfg', message: expect.stringMatching(/has no value/) })]);
  });

  it('refuses names outside the pattern', () => {
    expectProblem(withParams([{ name: '1alpha', type: 'string' }]), { field: 'name', value: '1alpha' });
    expectValid(withParams([{ name: 'num-items', type: 'number' }, { name: 'alpha_2', type: 'string' }]));
  });

  it.each(['name', 'next', 'input', 'index', 'cmd', 'params', 'with', 'tag', 'namespace', 'max-workers', 'max_workers', 'run-id', 'task_id'])(
    'refuses the reserved name %s',
    (name) => {
      expectProblem(withParams([{ name, type: 'string' }]), { field: 'name', value: name, message: /reserved word/ });
    },
  );

  it("includes Metaflow's reserved parameter words with both spellings", () => {
    expect(METAFLOW_RESERVED_PARAMETER_NAMES.has('run-id-file')).toBe(true);
    expect(METAFLOW_RESERVED_PARAMETER_NAMES.has('run_id_file')).toBe(true);
  });

  it('refuses names that differ only by case or -/_ (they share METAFLOW_INIT_<NAME>)', () => {
    expect(parameterEnvKey('num-items')).toBe('NUM_ITEMS');
    expectProblem(withParams([{ name: 'Alpha', type: 'string' }, { name: 'alpha', type: 'string' }]), { field: 'name', value: 'alpha', message: /collides with parameter Alpha/ });
    expectProblem(withParams([{ name: 'num-items', type: 'number' }, { name: 'num_items', type: 'number' }]), { field: 'name', value: 'num_items' });
    expectValid(withParams([{ name: 'alpha', type: 'string' }, { name: 'alphas', type: 'string' }]));
  });

  it('refuses an unknown type', () => {
    expectProblem(withParams([{ name: 'a', type: 'int' as never }]), { field: 'type', value: 'int' });
  });

  it.each<[ParameterSpec['type'], unknown, unknown]>([
    ['string', 3, 'three'],
    ['number', '3', 3],
    ['number', Number.NaN, 0.5],
    ['boolean', 'false', false],
    ['json', '{not json', '{"depth": 2}'],
  ])('refuses a %s default of %j, accepts %j', (type, bad, good) => {
    expectProblem(withParams([{ name: 'p', type, default: bad }]), { field: 'default' });
    expectValid(withParams([{ name: 'p', type, default: good }]));
  });

  it('accepts any JSON value as a json default', () => {
    expectValid(withParams([{ name: 'p', type: 'json', default: { depth: 2, tags: ['a'] } }]));
  });

  it('refuses a number default that is a whole number past 2^53 (it is rounded already)', () => {
    expectProblem(withParams([{ name: 'p', type: 'number', default: 12345678901234567890 }]), { field: 'default', message: /past 2\^53/ });
    expectValid(withParams([{ name: 'p', type: 'number', default: 9007199254740991 }]));
  });

  it('refuses a json default with a key ending in ".$", which Step Functions would read as a path', () => {
    expectProblem(withParams([{ name: 'p', type: 'json', default: { a: [{ 'sql.$': 'select 1' }] } }]), { field: 'default', message: /the key "sql\.\$"/ });
    // a string holding JSON is read as that JSON, as Metaflow reads it
    expectProblem(withParams([{ name: 'p', type: 'json', default: '{"path.$": "$"}' }]), { field: 'default', message: /the key "path\.\$"/ });
    expectValid(withParams([{ name: 'p', type: 'json', default: { 'price$': 1, 'a.b': 2 } }]));
  });

  it('refuses a required parameter without default that an S3 trigger does not map', () => {
    const required: ParameterSpec[] = [{ name: 'input_key', type: 'string', required: true }];
    expectProblem(withParams(required, { triggers: [{ bucket: 'landing' }] }), { field: 'required', message: /triggers\[0\] do not map this required parameter/ });
    expectProblem(withParams(required, { triggers: [{ bucket: 'landing', parameters: { input_key: 'key' } }, { bucket: 'other' }] }), { field: 'required', message: /triggers\[1\] do not map/ });
    expectValid(withParams(required, { triggers: [{ bucket: 'landing', parameters: { input_key: 'key' } }] }));
  });

  it('refuses a required parameter without default on a scheduled flow', () => {
    expectProblem(withParams([{ name: 'date', type: 'string', required: true }], { schedule: { daily: true } }), { field: 'required', message: /scheduled run/ });
    expectValid(withParams([{ name: 'date', type: 'string', required: true, default: '' }], { schedule: { daily: true } }));
    expectValid(withParams([{ name: 'date', type: 'string', required: true }]));
    // ...unless the schedule passes it (MetaflowFlow's scheduledParameters)
    const scheduled = withParams([{ name: 'date', type: 'string', required: true }], { schedule: { daily: true } });
    expect(validateFlow(scheduled, { scheduledParameters: ['date'] })).toEqual([]);
    expect(validateFlow(scheduled, { scheduledParameters: ['other'] })).toEqual([expect.objectContaining({ field: 'required', fix: expect.stringContaining('scheduledParameters') })]);
  });
});
