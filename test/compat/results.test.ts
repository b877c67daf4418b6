import { mergeResults } from '../../compat/metaflow-core/merge-results';
import { oneLine, renderResults, tally, type CombinationResult, type ResultsDocument } from '../../compat/metaflow-core/results';

const results: CombinationResult[] = [
  { test: 'BasicArtifactTest', graph: 'linear', kind: 'sfn', outcome: 'pass' },
  { test: 'BasicArtifactTest', graph: 'branch', kind: 'sfn', outcome: 'fail', stage: 'check', reason: 'MetadataCheck: AssertArtifactFailed: x' },
  { test: 'BasicParallelTest', graph: 'parallel', kind: 'beyond', outcome: 'pass', reason: '@parallel graph' },
  { test: 'TimeoutTest', graph: 'linear', kind: 'beyond', outcome: 'fail', stage: 'synth', reason: 'timeoutSeconds: must be | at least 60' },
  { test: 'ResumeTest', graph: 'linear', kind: 'not-applicable', outcome: 'not-applicable', reason: 'resume test: skipped' },
];
const doc: ResultsDocument = {
  metaflowVersion: '2.19.38', context: 'python3-sfn', command: 'npx tsx compat/metaflow-core/main.ts', machine: '2 cores',
  wallSeconds: 125, graphs: ['linear', 'branch', 'parallel'], results,
};

test('tally counts python3-sfn combinations apart from the ones beyond it', () => {
  expect(tally(results, 'sfn')).toEqual({ total: 2, pass: 1, fail: 1 });
  expect(tally(results, 'beyond')).toEqual({ total: 2, pass: 1, fail: 1 });
});

describe('renderResults', () => {
  const text = renderResults(doc);

  test('states the command and the two tallies', () => {
    expect(text).toContain('npx tsx compat/metaflow-core/main.ts');
    expect(text).toContain("| what Metaflow's `python3-sfn` context runs | 2 | 1 | 1 |");
    expect(text).toContain('| beyond it (`+`: disabled there, `@parallel`, switch) | 2 | 1 | 1 |');
    expect(text).toContain('2 min 5 s');
  });

  test('one row per test with pass, numbered failures and n/a', () => {
    expect(text).toContain('| BasicArtifactTest | pass | FAIL 1 |  |');
    expect(text).toContain('| BasicParallelTest |  |  | pass+ |');
    expect(text).toContain('| TimeoutTest | fail+ 2 |  |  |');
    expect(text).toContain('| ResumeTest | n/a (resume) |  |  |');
  });

  test('lists each reason once with the combinations it stopped', () => {
    expect(text).toContain('1. check: MetadataCheck: AssertArtifactFailed: x (BasicArtifactTest@branch)');
    expect(text).toContain('2. synth: timeoutSeconds: must be \\| at least 60 (TimeoutTest@linear)');
  });
});

test('a test the harness cannot run anywhere is listed with its reason, apart from tests no graph fits', () => {
  const text = renderResults({
    ...doc,
    results: [
      ...results,
      { test: 'ExtTest', graph: 'linear', kind: 'not-applicable', outcome: 'not-applicable', reason: 'needs packages' },
      { test: 'ExtTest', graph: 'switch', kind: 'not-applicable', outcome: 'not-applicable', reason: "Metaflow's formatter finds no valid flow for this graph" },
      { test: 'SwitchTest', graph: 'linear', kind: 'not-applicable', outcome: 'not-applicable', reason: "Metaflow's formatter finds no valid flow for this graph" },
    ],
  });
  expect(text).toContain('Not applicable in this harness:\n\n- ExtTest: needs packages\n');
  expect(text).toContain('Tests that fit none of the graphs in this selection: SwitchTest.');
  expect(text).not.toContain('| ExtTest |');
});

test('oneLine keeps a reason on one line and short', () => {
  expect(oneLine('a\n  b')).toBe('a b');
  expect(oneLine('x'.repeat(400))).toHaveLength(300);
});

describe('mergeResults', () => {
  const run = (command: string, rows: CombinationResult[], wallSeconds = 10): ResultsDocument => ({ ...doc, command, wallSeconds, results: rows });

  test('later runs win per combination, a combination the later run classifies not applicable too', () => {
    const earlier = run('first', [
      { test: 'A', graph: 'g', kind: 'beyond', outcome: 'fail', stage: 'check', reason: 'x' },
      { test: 'B', graph: 'g', kind: 'beyond', outcome: 'fail', stage: 'check', reason: 'needs packages' },
    ]);
    const later = run('second', [
      { test: 'A', graph: 'g', kind: 'beyond', outcome: 'pass' },
      { test: 'B', graph: 'g', kind: 'not-applicable', outcome: 'not-applicable', reason: 'needs packages' },
    ], 30);
    const merged = mergeResults([earlier, later], 'merge');
    expect(merged.results.map((r) => `${r.test}:${r.outcome}`)).toEqual(['A:pass', 'B:not-applicable']);
    expect(merged.command.split('\n')).toEqual(['merge', 'first', 'second']);
    expect(merged.wallSeconds).toBe(30);
  });
});
