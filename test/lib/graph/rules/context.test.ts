import { createContext, listNames } from '../../../../lib/graph/rules/context';
import { flow, step } from '../flows';

describe('rule context', () => {
  it('names the flow, the step and its source location', () => {
    const ctx = createContext(flow([step('start', ['end'], { source: { file: 'f.py', line: 3 } }), step('end')]), undefined);
    expect(ctx.flowWhere).toBe('flow "TestFlow"');
    expect(ctx.stepWhere('start')).toBe('flow "TestFlow" step "start" (f.py:3)');
    expect(ctx.stepWhere('end')).toBe('flow "TestFlow" step "end"');
    expect(ctx.step('end')?.name).toBe('end');
    expect(ctx.step('nope')).toBeUndefined();
  });

  it('lists names in prose', () => {
    expect(listNames([])).toBe('');
    expect(listNames(['a'])).toBe('a');
    expect(listNames(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
