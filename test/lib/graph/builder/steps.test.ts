import { branch, end, foreach, join, linear, numParallel, parallelStep } from '../../../../lib/graph/builder';

describe('step shorthands', () => {
  it('build the step shapes with their settings', () => {
    expect(linear('b', { cpu: 2 })).toEqual({ cpu: 2, next: 'b' });
    expect(branch(['a', 'b'])).toEqual({ next: ['a', 'b'] });
    expect(foreach('items', 'body', { memory: 8192 })).toEqual({ memory: 8192, foreach: 'items', next: 'body' });
    expect(numParallel(4, 'train')).toEqual({ numParallel: 4, next: 'train' });
    expect(parallelStep('gather', { gpu: 1 })).toEqual({ gpu: 1, parallel: true, next: 'gather' });
    expect(join('end')).toEqual({ join: true, next: 'end' });
    expect(end({ cpu: 1 })).toEqual({ cpu: 1 });
  });
});
