import type { Problem } from '../../../lib/errors';
import { readDecoratorArgs, whereOf } from '../../../lib/importer/decorator-args';
import type { RawDecorator } from '../../../lib/importer/reader-output';

const deco = (kwargs: RawDecorator['kwargs'], args: RawDecorator['args'] = []): RawDecorator => ({ name: 'x', line: 7, called: true, args, kwargs });

describe('readDecoratorArgs', () => {
  const spec = { args: { n: 'number' as const, i: 'integer' as const, b: 'boolean' as const, m: 'stringMap' as const }, ignored: ['skip'] };

  test('converts literals, skips None and ignored arguments', () => {
    const problems: Problem[] = [];
    expect(readDecoratorArgs(deco({ n: { value: '1.5' }, i: { value: null }, b: { value: false }, skip: { value: 1 }, m: { value: { a: 'b' } } }), spec, { file: 'f.py' }, problems)).toEqual({ n: 1.5, b: false, m: { a: 'b' } });
    expect(problems).toEqual([]);
  });

  test('reports positional, splatted and mistyped arguments', () => {
    const problems: Problem[] = [];
    readDecoratorArgs(deco({ '**': { nonLiteral: 'opts' }, n: { value: true }, m: { value: { a: 1 } } }, [{ value: 1 }]), spec, { file: 'f.py', step: 's' }, problems);
    expect(problems.map((p) => p.field)).toEqual(['@x positional argument 1', '@x(**...)', '@x(n=...)', '@x(m=...)']);
    expect(problems[0].where).toBe(whereOf({ file: 'f.py', step: 's' }, 7));
    expect(problems[0].where).toBe('f.py:7 step "s"');
  });
});
