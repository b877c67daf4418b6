import { childPath, partitionArn, stateName } from '../../../lib/compile/asl';

describe('asl helpers', () => {
  it('keeps state names within 80 characters, unique by hash', () => {
    expect(stateName('train', 'fanout')).toBe('train.fanout');
    const a = stateName('x'.repeat(90), 'fanout');
    const b = stateName('x'.repeat(91), 'fanout');
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
  });

  it('quotes keys JSONPath dot notation cannot hold', () => {
    expect(childPath('$.p', 'alpha')).toBe('$.p.alpha');
    expect(childPath('$.p', 'num-items')).toBe("$.p['num-items']");
    expect(partitionArn('aws-us-gov', 'lambda:invoke')).toBe('arn:aws-us-gov:states:::lambda:invoke');
  });
});
