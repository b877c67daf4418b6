import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { enumValueProblems, optionsKindProblems, propKindProblems } from '../../../lib/infrastructure/prop-kinds';

describe('propKindProblems', () => {
  const stack = new Stack();
  const kinds = {
    flag: 'boolean', count: 'number', name: 'string', tags: 'string list', labels: 'string map', options: 'record',
    items: 'list', rows: 'object list', wait: 'Duration', disk: 'Size', key: 'construct', groups: 'construct list',
  } as const;

  it('accepts each kind as TypeScript would pass it, and unset props', () => {
    const good = { flag: false, count: 0, name: '', tags: ['a'], labels: { a: 'b' }, options: {}, items: [1], rows: [{}], wait: Duration.days(1), disk: Size.gibibytes(1), key: stack, groups: [stack] };
    expect(propKindProblems('S', good, kinds)).toEqual([]);
    expect(propKindProblems('S', {}, kinds)).toEqual([]);
  });

  it('refuses what JavaScript could pass instead, each by its prop, a construct shown by its path', () => {
    const bad = { flag: 'false', count: '2', name: 3, tags: 'a', labels: { a: 1 }, options: new Map(), items: 'x', rows: ['x'], wait: 30, disk: 100, key: 'arn:aws:kms:eu-west-1:1:key/x', groups: stack };
    const found = propKindProblems('S', bad, kinds);
    expect(found.map((p) => `${p.field}=${JSON.stringify(p.value)}: ${p.message}`)).toEqual([
      'flag="false": must be true or false',
      'count="2": must be a number',
      'name=3: must be a string',
      'tags="a": must be a list of strings',
      'labels={"a":1}: must be an object of string values',
      'options="a Map": must be a plain object of names to values',
      'items="x": must be a list',
      'rows=["x"]: must be a list of objects',
      'wait=30: must be a Duration',
      'disk=100: must be a Size',
      'key="arn:aws:kms:eu-west-1:1:key/x": must be a construct, not its name or ARN',
      'groups="construct Default": must be a list of constructs, not names or ARNs',
    ]);
    expect(found.every((p) => p.where === 'S' && p.fix.length > 0)).toBe(true);
  });

  it('takes a fix of the prop\'s own', () => {
    expect(propKindProblems('S', { role: 'arn' }, { role: { kind: 'construct', fix: 'import the role' } })[0].fix).toBe('import the role');
  });
});

describe('optionsKindProblems', () => {
  it('refuses anything but an object, e.g. false where options or a reference belong', () => {
    expect(optionsKindProblems('S', 'metadataService', false)).toEqual([expect.objectContaining({ field: 'metadataService', value: false, message: 'must be an object' })]);
    expect(optionsKindProblems('S', 'metadataService', {})).toEqual([]);
    expect(optionsKindProblems('S', 'metadataService', undefined)).toEqual([]);
  });
});

describe('enumValueProblems', () => {
  enum Colour { RED = 'red', BLUE = 'blue' }

  it('names every value of a string enum', () => {
    expect(enumValueProblems('S', 'colour', 'RED', 'Colour', Colour)).toEqual([expect.objectContaining({ message: 'not a Colour value', fix: 'use one of Colour.RED, Colour.BLUE' })]);
    expect(enumValueProblems('S', 'colour', 'red', 'Colour', Colour)).toEqual([]);
  });

  it('takes only the numbers of a numeric enum, not its names', () => {
    const retention = logs.RetentionDays as unknown as Record<string, number>;
    expect(enumValueProblems('S', 'logRetention', logs.RetentionDays.ONE_WEEK, 'RetentionDays', retention)).toEqual([]);
    expect(enumValueProblems('S', 'logRetention', 'ONE_WEEK', 'RetentionDays', retention, 'use logs.RetentionDays')).toEqual([expect.objectContaining({ value: 'ONE_WEEK', fix: 'use logs.RetentionDays' })]);
    expect(enumValueProblems('S', 'logRetention', 45, 'RetentionDays', retention)).toHaveLength(1);
  });
});
