import { importSource, problemsOf } from './import-source';

function flow(steps: string[][]): string {
  return ['from metaflow import FlowSpec, step, parallel, catch', 'class F(FlowSpec):', ...steps.flat().map((l) => `    ${l}`), 'if __name__ == "__main__":', '    F()'].join('\n');
}
const end = ['@step', 'def end(self):', '    pass'];

describe('steps and transitions', () => {
  test('linear, split, foreach, num_parallel and joins, with docstrings', () => {
    const doc = importSource(flow([
      ['@step', 'def start(self):', '    """Begin."""', '    self.next(self.a, self.b)'],
      ['@step', 'def a(self):', '    self.items = [1]', '    self.next(self.each, foreach="items")'],
      ['@step', 'def each(self):', '    self.next(self.join_each)'],
      ['@step', 'def join_each(self, inputs):', '    self.next(self.join_ab)'],
      ['@step', 'def b(self):', '    self.next(self.train, num_parallel=4)'],
      ['@parallel', '@step', 'def train(self):', '    self.next(self.join_train)'],
      ['@step', 'def join_train(self, inputs):', '    self.next(self.join_ab)'],
      ['@step', 'def join_ab(self, inputs):', '    self.next(self.end)'],
      end,
    ]));
    const by = Object.fromEntries(doc.steps.map((s) => [s.name, s]));
    expect(by.start).toMatchObject({ next: ['a', 'b'], doc: 'Begin.' });
    expect(by.a).toMatchObject({ next: ['each'], foreach: 'items' });
    expect(by.b).toMatchObject({ next: ['train'], numParallel: 4 });
    expect(by.train.parallel).toBe(true);
    expect(doc.steps.filter((s) => s.join).map((s) => s.name)).toEqual(['join_each', 'join_train', 'join_ab']);
    expect(by.each.source?.line).toBe(12);
  });

  test('@step(start=True) and @step(end=True) mark the entry and terminal steps', () => {
    const doc = importSource(flow([['@step(start=True)', 'def begin(self):', '    self.next(self.finish)'], ['@step(end=True)', 'def finish(self):', '    pass']]));
    expect(doc.steps).toMatchObject([{ name: 'begin', start: true }, { name: 'finish', end: true }]);
  });

  test('malformed transitions and signatures are reported with their lines', () => {
    const problems = problemsOf(flow([
      ['@step', 'def start(self):', '    self.next(self.a, foreach=ITEMS)'],
      ['@step', 'def a(self):', '    self.next({"x": self.b, "y": self.c}, condition=COND)'],
      ['@step', 'def b(self, x, y):', '    self.next(self.c, self.d, foreach="z")'],
      ['@step', 'def c(self):', '    print("no next")'],
      ['@step', 'def d(self):', '    self.next(step_d)'],
      ['@catch', '@step', 'def e(self):', '    self.next(self.end, foreach="xs")'],
      ['@step(colour=1)', 'def f(self):', '    self.next(self.end, num_parallel=0)'],
      end,
    ]));
    const summary = problems.map((p) => `${p.where.replace(/^.*:(\d+) step "(\w+)"$/, '$2@$1')} ${p.field}`);
    expect(summary).toEqual([
      'start@5 self.next(foreach=...)',
      'a@8 self.next(condition=...)',
      'b@10 arguments',
      'b@11 self.next()',
      'c@13 self.next()',
      'd@17 self.next()',
      'e@20 @catch',
      'f@22 @step(colour=...)',
      'f@24 self.next(num_parallel=...)',
    ]);
    expect(problems[1]).toMatchObject({ value: 'COND', message: 'must name the artifact that picks the case, as a string' });
    expect(problems[4].fix).toMatch(/self\.next\(self\.a\)/);
  });

  test('a switch keeps its condition and cases; its next lists each chosen step once', () => {
    const doc = importSource(flow([
      ['@step', 'def start(self):', '    self.mode = "x"', '    self.next({"x": self.a, "y": self.b, 3: self.a}, condition="mode")'],
      ['@step', 'def a(self):', '    self.next({"again": self.a, "done": self.b}, condition="state")'],
      ['@step', 'def b(self):', '    self.next(self.end)'],
      end,
    ]));
    const by = Object.fromEntries(doc.steps.map((s) => [s.name, s]));
    expect(by.start).toMatchObject({ next: ['a', 'b'], switch: { condition: 'mode', cases: { x: 'a', y: 'b', 3: 'a' } } });
    expect(by.a).toMatchObject({ next: ['a', 'b'], switch: { condition: 'state', cases: { again: 'a', done: 'b' } } });
  });

  test('@catch on a switch step is refused, as Metaflow refuses it in every task', () => {
    const problems = problemsOf(flow([['@catch', '@step', 'def start(self):', '    self.mode = "x"', '    self.next({"x": self.a, "y": self.end}, condition="mode")'], ['@step', 'def a(self):', '    self.next(self.end)'], end]));
    expect(problems).toEqual([expect.objectContaining({ field: '@catch', value: 'switch', message: expect.stringContaining('does not allow @catch on a switch step') })]);
  });

  test('a switch case that is not a step, or a switch without condition=, is refused at its line', () => {
    const [notStep] = problemsOf(flow([['@step', 'def start(self):', '    self.next({"x": self.a, "y": make()}, condition="m")'], ['@step', 'def a(self):', '    self.next(self.end)'], end]));
    expect(notStep).toMatchObject({ field: 'self.next()', message: "the switch case make() does not lead to a step (write 'value': self.<step>)" });
    expect(notStep.where).toMatch(/:5 step "start"$/);
    const [noCondition] = problemsOf(flow([['@step', 'def start(self):', '    self.next({"x": self.a, "y": self.end})'], ['@step', 'def a(self):', '    self.next(self.end)'], end]));
    expect(noCondition.message).toBe('a switch needs a dict of cases and condition=');
  });

  test('a foreach over an artifact the step sets to a literal that is not a non-empty list or string is refused', () => {
    const body = (value: string) => flow([
      ['@step', 'def start(self):', `    self.items = ${value}`, '    self.next(self.each, foreach="items")'],
      ['@step', 'def each(self):', '    self.next(self.join)'],
      ['@step', 'def join(self, inputs):', '    self.next(self.end)'],
      end,
    ]);
    expect(problemsOf(body('""'))[0].message).toMatch(/empty string: Metaflow fails the run/);
    expect(problemsOf(body('[]'))[0].message).toMatch(/empty list: Metaflow fails the run/);
    expect(problemsOf(body('5'))[0]).toMatchObject({ field: 'self.next(foreach=...)', value: 5 });
    expect(problemsOf(body('None'))[0].fix).toMatch(/set self.items to a non-empty list \(line 5\)/);
    // Lists (and tuples), strings (Metaflow iterates their characters, as its own NestedForeachTest does), and values
    // not knowable at synth are accepted.
    for (const ok of ['[1, 2]', '(1, 2)', '"abc"', 'list(range(3))', 'self.load()']) expect(importSource(body(ok)).steps[0].foreach).toBe('items');
  });
});
