import { Lazy, Token } from 'aws-cdk-lib';
import { isToken, problem } from '../../../lib/infrastructure/problems';

describe('problems helpers', () => {
  it('recognises string and number tokens but not plain values', () => {
    expect(isToken(Token.asString(Lazy.string({ produce: () => 'x' })))).toBe(true);
    expect(isToken(Token.asNumber(Lazy.number({ produce: () => 1 })))).toBe(true);
    expect(isToken('metaflow')).toBe(false);
    expect(isToken(-5)).toBe(false);
  });

  it('builds a problem from its parts', () => {
    expect(problem('a', 'b', 1, 'c', 'd')).toEqual({ where: 'a', field: 'b', value: 1, message: 'c', fix: 'd' });
  });
});
