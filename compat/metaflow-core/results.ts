import type { Combination, CombinationKind } from './matrix';

/** Where a combination failed: refused at synth, the run itself, or Metaflow's checkers. */
export type FailedStage = 'synth' | 'run' | 'check';

export interface CombinationResult {
  readonly test: string;
  readonly graph: string;
  readonly kind: CombinationKind;
  readonly outcome: 'pass' | 'fail' | 'not-applicable';
  readonly stage?: FailedStage;
  /** Why it failed, or why it does not apply (one line). */
  readonly reason?: string;
  readonly runId?: string;
  readonly seconds?: number;
}

export interface ResultsDocument {
  readonly metaflowVersion: string;
  readonly context: string;
  readonly command: string;
  /** What ran it: cores, load, wall time. */
  readonly machine: string;
  readonly wallSeconds: number;
  readonly graphs: readonly string[];
  readonly results: readonly CombinationResult[];
}

export function notApplicable(c: Combination): CombinationResult {
  return { test: c.test, graph: c.graph, kind: c.kind, outcome: 'not-applicable', reason: c.reason };
}

export interface Tally {
  readonly total: number;
  readonly pass: number;
  readonly fail: number;
}

export function tally(results: readonly CombinationResult[], kind: CombinationKind): Tally {
  const of = results.filter((r) => r.kind === kind && r.outcome !== 'not-applicable');
  return { total: of.length, pass: of.filter((r) => r.outcome === 'pass').length, fail: of.filter((r) => r.outcome === 'fail').length };
}

/** One line, no table breakers: a reason fits in a Markdown cell or list item. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

const CELL: Record<CombinationKind, Record<'pass' | 'fail', string>> = {
  sfn: { pass: 'pass', fail: 'FAIL' },
  beyond: { pass: 'pass+', fail: 'fail+' },
  'not-applicable': { pass: '', fail: '' },
};

/** The reason `generate.py` gives a graph a test's formatter rejects (its SKIP_GRAPHS, ONLY_GRAPHS, required steps). */
const FORMATTER_INVALID = /^Metaflow's formatter finds no valid flow/;

/**
 * The results as Markdown: the tallies next to what Metaflow's own context runs, a test x graph table (pass, FAIL
 * with a numbered reason, n/a), and the reasons. `+` marks combinations Metaflow's python3-sfn context cannot run.
 */
export function renderResults(doc: ResultsDocument): string {
  const sfn = tally(doc.results, 'sfn');
  const beyond = tally(doc.results, 'beyond');
  const lines: string[] = [];
  lines.push(`# Metaflow ${doc.metaflowVersion} core suite through metaflow-cdk (context ${doc.context})`, '');
  lines.push('Regenerate with:', '', '```', doc.command, '```', '');
  lines.push(`Ran on ${doc.machine}; wall time ${formatDuration(doc.wallSeconds)}.`, '');
  lines.push('| | combinations | pass | fail |', '|---|---|---|---|');
  lines.push(`| what Metaflow's \`${doc.context}\` context runs | ${sfn.total} | ${sfn.pass} | ${sfn.fail} |`);
  lines.push(`| beyond it (\`+\`: disabled there, \`@parallel\`, switch) | ${beyond.total} | ${beyond.pass} | ${beyond.fail} |`);
  lines.push('');
  lines.push('Cells: `pass`, `FAIL n` (reason n below), `pass+`/`fail+ n` for combinations Metaflow\'s context cannot run, ' +
    '`n/a` where the test does not apply to the graph or is a resume test (see the reasons), empty where not run this time.', '');

  const failures: CombinationResult[] = [];
  const reasons = new Map<string, number>();
  const reasonNumber = (r: CombinationResult): number => {
    const key = `${r.stage}: ${oneLine(r.reason ?? 'no reason recorded')}`;
    if (!reasons.has(key)) reasons.set(key, reasons.size + 1);
    return reasons.get(key)!;
  };
  const tests = [...new Set(doc.results.map((r) => r.test))];
  const graphs = doc.graphs.filter((g) => doc.results.some((r) => r.graph === g && r.outcome !== 'not-applicable'));
  lines.push(`| test | ${graphs.join(' | ')} |`, `|---|${graphs.map(() => '---').join('|')}|`);
  for (const test of tests) {
    const cells = graphs.map((graph) => {
      const r = doc.results.find((x) => x.test === test && x.graph === graph);
      if (!r) return '';
      if (r.outcome === 'not-applicable') return r.kind === 'not-applicable' && /^resume/.test(r.reason ?? '') ? 'n/a (resume)' : 'n/a';
      if (r.outcome === 'pass') return CELL[r.kind].pass;
      failures.push(r);
      return `${CELL[r.kind].fail} ${reasonNumber(r)}`;
    });
    if (cells.every((c) => c === '' || c === 'n/a')) continue;
    lines.push(`| ${test} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  if (reasons.size > 0) {
    lines.push('## Reasons', '');
    for (const [reason, n] of reasons) {
      const who = failures.filter((r) => reasonNumber(r) === n).map((r) => `${r.test}@${r.graph}`);
      lines.push(`${n}. ${reason} (${who.join(', ')})`);
    }
    lines.push('');
  }
  const resume = [...new Set(doc.results.filter((r) => /^resume/.test(r.reason ?? '')).map((r) => r.test))];
  if (resume.length > 0) lines.push(`Resume tests, skipped by Metaflow's scheduler executor and not applicable here either: ${resume.join(', ')}.`, '');
  const refused = doc.results.filter((r) => r.outcome === 'not-applicable' && !/^resume/.test(r.reason ?? '') && !FORMATTER_INVALID.test(r.reason ?? ''));
  const refusedTests = [...new Set(refused.map((r) => r.test))];
  if (refusedTests.length > 0) {
    lines.push('Not applicable in this harness:', '');
    for (const test of refusedTests) lines.push(`- ${test}: ${[...new Set(refused.filter((r) => r.test === test).map((r) => r.reason))].join('; ')}`);
    lines.push('');
  }
  const unused = tests.filter((t) => !refusedTests.includes(t) && doc.results.filter((r) => r.test === t).every((r) => r.outcome === 'not-applicable' && !/^resume/.test(r.reason ?? '')));
  if (unused.length > 0) lines.push(`Tests that fit none of the graphs in this selection: ${unused.join(', ')}.`, '');
  return lines.join('\n');
}

export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}
