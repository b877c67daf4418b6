import { resolveFlowClass } from '../../../lib/importer/flow-class';
import type { Problem } from '../../../lib/errors';
import type { RawClass, RawStep } from '../../../lib/importer/reader-output';

const step = (name: string, doc: string | null = null): RawStep => ({
  name, line: 1, firstLine: 1, doc, numArgs: 1, step: { args: [], kwargs: {}, line: 1 }, decorators: [], next: null,
});
const cls = (name: string, bases: string[], steps: RawStep[] = []): RawClass => ({ name, line: 1, bases, doc: null, decorators: [], steps, parameters: [] });

describe('resolveFlowClass', () => {
  test('picks the most derived FlowSpec class and merges inherited steps', () => {
    const problems: Problem[] = [];
    const resolved = resolveFlowClass({ file: 'f.py', syntaxError: null, classes: [
      cls('Helper', ['object']),
      cls('Base', ['FlowSpec'], [step('start', 'base'), step('end')]),
      cls('Mixin', ['Base'], [step('extra')]),
      cls('Leaf', ['Mixin'], [step('start', 'leaf')]),
    ] }, 'f.py', undefined, problems);
    expect(problems).toEqual([]);
    expect(resolved?.cls.name).toBe('Leaf');
    expect(resolved?.steps.map((s) => [s.name, s.doc])).toEqual([['start', 'leaf'], ['end', null], ['extra', null]]);
  });

  test('an unknown flowClass lists the candidates', () => {
    const problems: Problem[] = [];
    expect(resolveFlowClass({ file: 'f.py', syntaxError: null, classes: [cls('A', ['FlowSpec'])] }, 'f.py', 'B', problems)).toBeUndefined();
    expect(problems[0]).toMatchObject({ field: 'flowClass', value: 'B', fix: 'use one of: A' });
  });

  test('a class inheriting from itself through a cycle is not a flow', () => {
    const problems: Problem[] = [];
    expect(resolveFlowClass({ file: 'f.py', syntaxError: null, classes: [cls('A', ['B']), cls('B', ['A'])] }, 'f.py', undefined, problems)).toBeUndefined();
    expect(problems[0].message).toMatch(/no class deriving/);
  });
});
