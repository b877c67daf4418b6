import { UsageError } from '../../../lib/cli/cli-error';
import { checkParameters, parseParamArgs } from '../../../lib/cli/parameters';
import { includedFileDescriptor } from '../../../lib/runtime/metaflow/included-file';

describe('parseParamArgs', () => {
  test('splits at the first =, keeps empty values', () => {
    expect([...parseParamArgs(['a=1', 'b=x=y', 'c='])]).toEqual([['a', '1'], ['b', 'x=y'], ['c', '']]);
  });

  test('a name given twice is a usage error, not a silent last value', () => {
    expect(() => parseParamArgs(['a=1', 'b=2', 'a=2', 'b=3'])).toThrow(new UsageError('--param a, b given more than once; pass each parameter once'));
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

  test('a json default written as a string holding JSON is sent as that JSON, as a --param of the same text is', () => {
    const withDefault = [{ name: 'j', type: 'json' as const, default: '{"a": 1}' }];
    expect(checkParameters('F', withDefault, new Map())).toEqual({ j: { a: 1 } });
    expect(checkParameters('F', withDefault, new Map([['j', '{"a": 1}']]))).toEqual({ j: { a: 1 } });
  });

  test('an empty number is not 0', () => {
    expect(() => checkParameters('F', declared, new Map([['n', ' '], ['s', 'x']]))).toThrow(/is not a number/);
  });

  test('a number is decimal, as Metaflow reads int and float parameters', () => {
    for (const raw of ['3', '-0.5', '+2.', '.5', '1e3', ' 7 ']) expect(checkParameters('F', declared, new Map([['n', raw], ['s', 'x']])).n).toBe(Number(raw));
    for (const raw of ['0x10', '0b11', '0o7', 'Infinity', '1_000', '1e']) {
      expect(() => checkParameters('F', declared, new Map([['n', raw], ['s', 'x']]))).toThrow(/--param n \(number\) = ".*": is not a number\. Fix: pass a decimal number/);
    }
  });

  test("an int parameter takes whole numbers only, as click's INT (Python's int()) reads them", () => {
    const ints = [{ name: 'k', type: 'number' as const, integer: true }];
    for (const raw of ['3', '-4', '+5', ' 6 ']) expect(checkParameters('F', ints, new Map([['k', raw]])).k).toBe(Number(raw));
    for (const raw of ['2.5', '1e3', '3.0']) {
      expect(() => checkParameters('F', ints, new Map([['k', raw]]))).toThrow(/--param k \(number\) = ".*": is not a whole number \(the parameter is an int\)\. Fix: pass a whole number/);
    }
  });

  test("booleans take click's spellings: true/t/1/yes/y and false/f/0/no/n, any case", () => {
    for (const [raw, value] of [['T', true], ['t', true], ['Y', true], ['f', false], ['N', false], ['0', false]] as const) {
      expect(checkParameters('F', declared, new Map([['b', raw], ['s', 'x']])).b).toBe(value);
    }
    expect(() => checkParameters('F', declared, new Map([['b', 'on'], ['s', 'x']]))).toThrow(/is not a boolean/);
  });

  test('a whole number past 2^53 is refused: the run input would round it', () => {
    expect(() => checkParameters('F', declared, new Map([['n', '9007199254740993'], ['s', 'x']]))).toThrow(/is a whole number past 2\^53 \(9007199254740991\), which the run's JSON input would round to 9007199254740992.*Fix: declare n a string parameter/);
    expect(checkParameters('F', declared, new Map([['n', '9007199254740991'], ['s', 'x']])).n).toBe(9007199254740991);
    expect(checkParameters('F', declared, new Map([['n', '1e300'], ['s', 'x']])).n).toBe(1e300);
  });

  test('a name with _ for - (or - for _) names the one declared parameter it fits; twice is refused', () => {
    const hyphenated = [{ name: 'batch-size', type: 'number' as const, default: 1 }, { name: 'dry_run', type: 'boolean' as const, default: false }];
    expect(checkParameters('F', hyphenated, new Map([['batch_size', '8'], ['dry-run', 'true']]))).toEqual({ 'batch-size': 8, dry_run: true });
    expect(() => checkParameters('F', hyphenated, new Map([['batch_size', '8'], ['batch-size', '9']]))).toThrow(/names parameter "batch-size", which another --param already set/);
    const ambiguous = [{ name: 'a-b', type: 'string' as const }, { name: 'a_b', type: 'string' as const }];
    expect(() => checkParameters('F', ambiguous, new Map([['a-b_', 'x']]))).toThrow(/is not a parameter of this flow/);
    expect(checkParameters('F', ambiguous, new Map([['a_b', 'x']]))).toEqual({ a_b: 'x' });
  });

  test('an IncludeFile takes a descriptor of a file in S3; a path is refused with the fix; its default is sent as is', () => {
    const descriptor = includedFileDescriptor({ url: 's3://assets/abc.gz', isText: true, encoding: 'utf-8', size: 5 });
    const included = [{ name: 'notes', type: 'string' as const, default: descriptor }];
    expect(checkParameters('F', included, new Map())).toEqual({ notes: descriptor });
    const other = includedFileDescriptor({ url: 's3://data/other.gz', isText: false, encoding: 'utf-8', size: 9 });
    expect(checkParameters('F', included, new Map([['notes', other]]))).toEqual({ notes: other });
    expect(() => checkParameters('F', included, new Map([['notes', './notes.txt']]))).toThrow(/--param notes \(IncludeFile\) = "\.\/notes\.txt": is an IncludeFile, whose value is Metaflow's descriptor of a file already in S3, not a path .*Fix: change the file and deploy again/);
    // a plain string parameter whose default merely looks like JSON keeps taking any string
    expect(checkParameters('F', [{ name: 's', type: 'string' as const, default: '{"a": 1}' }], new Map([['s', 'x']]))).toEqual({ s: 'x' });
  });

  test('a flow without parameters says so for an unknown name', () => {
    expect(() => checkParameters('F', [], new Map([['x', '1']]))).toThrow(/the flow declares no parameters/);
  });
});
