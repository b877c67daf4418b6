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

  it('spells fixes in JSON fields for documents, in Metaflow Python for imported flows', () => {
    const doc = flow([step('start', ['end']), step('end')]);
    const json = createContext(doc, undefined).spell;
    const python = createContext({ ...doc, runtime: { kind: 'metaflow', flowFile: 'f.py', flowClass: 'F' } }, undefined).spell;
    expect([json.join('merge'), json.unjoin('merge'), json.parallel, json.numParallel('train'), json.flag('start'), json.next('a')]).toEqual([
      '"join": true', 'remove "join": true from merge', '"parallel": true', '"numParallel": <nodes>', '"start": true', '"next": ["a"]',
    ]);
    expect([python.join('merge'), python.unjoin('merge'), python.parallel, python.numParallel('train'), python.flag('start'), python.next('a')]).toEqual([
      'def merge(self, inputs)', 'drop the inputs argument: def merge(self)', '@parallel', 'self.next(self.train, num_parallel=<nodes>)', '@step(start=True)', 'self.next(self.a)',
    ]);
  });

  it('lists names in prose', () => {
    expect(listNames([])).toBe('');
    expect(listNames(['a'])).toBe('a');
    expect(listNames(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
