import { compact, integerIn, tagProblems } from '../../../../lib/graph/rules/checks';

describe('rule helpers', () => {
  it('integerIn accepts the bounds and refuses outside or fractional values, naming the range in the fix', () => {
    const ref = { where: 'w', field: 'f' };
    expect(integerIn(ref, 1, 1, 3)).toBeUndefined();
    expect(integerIn(ref, 3, 1, 3)).toBeUndefined();
    expect(integerIn(ref, undefined, 1, 3)).toBeUndefined();
    expect(integerIn(ref, 4, 1, 3)).toMatchObject({ where: 'w', field: 'f', value: 4, fix: 'set f to a whole number from 1 to 3' });
    expect(integerIn(ref, 1.5, 1, 3)?.value).toBe(1.5);
    expect(integerIn(ref, -1, 0, Number.MAX_SAFE_INTEGER, 'MiB')?.message).toBe('must be a whole number from 0 or more MiB');
  });

  it('compact drops undefined', () => {
    expect(compact([undefined, { where: 'w', field: 'f', value: 1, message: 'm', fix: 'x' }, undefined])).toHaveLength(1);
  });

  it('tagProblems checks key, value and count', () => {
    expect(tagProblems('w', 'tags', undefined)).toEqual([]);
    expect(tagProblems('w', 'tags', { a: 'b' })).toEqual([]);
    expect(tagProblems('w', 'tags', { 'AWS:x': 'b', ['k'.repeat(129)]: 'v' }).map((p) => p.field)).toEqual(['tags.AWS:x', `tags.${'k'.repeat(129)}`]);
    expect(tagProblems('w', 'tags', { a: 'b', c: 'd' }, 1).map((p) => p.field)).toEqual(['tags']);
  });

  it('tagProblems allows the characters AWS allows in tags, and names the others', () => {
    expect(tagProblems('w', 'tags', { 'cost-center/team_a': 'Équipe 7: a+b=c @x.y', 'Projekt Ω': '' })).toEqual([]);
    const problems = tagProblems('w', 'tags', { 'team,name': 'ok', owner: 'a*b', 'x': 'line\nbreak', 'quote"d': 'v' });
    expect(problems.map((p) => [p.field, p.message.startsWith('a tag key') ? 'key' : 'value'])).toEqual([
      ['tags.team,name', 'key'],
      ['tags.owner', 'value'],
      ['tags.x', 'value'],
      ['tags.quote"d', 'key'],
    ]);
    expect(problems[0].message).toContain('_ . : / = + - @');
  });
});
