import { UsageError } from '../../../lib/cli/cli-error';
import { checkParameters, parseParamArgs } from '../../../lib/cli/parameters';

describe('parseParamArgs', () => {
  test('splits at the first =, keeps empty values, last one wins', () => {
    expect([...parseParamArgs(['a=1', 'b=x=y', 'c=', 'a=2'])]).toEqual([['a', '2'], ['b', 'x=y'], ['c', '']]);
  });

  test('values without a name or = are usage errors, all listed', () => {
    expect(() => parseParamArgs(['a', '=1'])).toThrow(/--param expects NAME=VALUE, got "a", "=1"/);
    expect(() => parseParamArgs(['a'])).toThrow(UsageError);
  });
});

describe('checkParameters', () => {
  const declared = [
    { name: 'n', type: 'number' as const },
    { name: 'b', type: 'boolean' as const, default: true },
    { name: 'j', type: 'json' as const },
    { name: 's', type: 'string' as const, required: true },
  ];

  test('converts each type and fills defaults; optional parameters without default are omitted', () => {
    expect(checkParameters('F', declared, new Map([['n', '1e3'], ['b', 'NO'], ['j', '[1,2]'], ['s', '']]))).toEqual({ n: 1000, b: false, j: [1, 2], s: '' });
    expect(checkParameters('F', declared, new Map([['s', 'x']]))).toEqual({ b: true, s: 'x' });
  });

  test('an empty number is not 0', () => {
    expect(() => checkParameters('F', declared, new Map([['n', ' '], ['s', 'x']]))).toThrow(/is not a number/);
  });

  test('a flow without parameters says so for an unknown name', () => {
    expect(() => checkParameters('F', [], new Map([['x', '1']]))).toThrow(/the flow declares no parameters/);
  });
});
