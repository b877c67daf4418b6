/**
 * Merges results.json files of several harness runs into one table. Later files win per combination, a
 * `not-applicable` row too: it is the harness's classification when that run was made (a test it learned to refuse).
 *   npx tsx compat/metaflow-core/merge-results.ts OUT.md A.json B.json ...
 */
import * as fs from 'fs';
import { renderResults, type CombinationResult, type ResultsDocument } from './results';

export function mergeResults(docs: readonly ResultsDocument[], command: string): ResultsDocument {
  const byKey = new Map<string, CombinationResult>();
  for (const doc of docs) for (const r of doc.results) byKey.set(`${r.test}@${r.graph}`, r);
  return {
    metaflowVersion: docs[0].metaflowVersion,
    context: docs[0].context,
    command: [...new Set([command, ...docs.flatMap((d) => d.command.split('\n'))])].join('\n'),
    machine: docs.map((d) => d.machine).join('; '),
    wallSeconds: Math.max(...docs.map((d) => d.wallSeconds)),
    graphs: docs[0].graphs,
    results: [...byKey.values()].sort((a, b) => a.test.localeCompare(b.test) || a.graph.localeCompare(b.graph)),
  };
}

if (require.main === module) {
  const [out, ...inputs] = process.argv.slice(2);
  const merged = mergeResults(inputs.map((f) => JSON.parse(fs.readFileSync(f, 'utf-8')) as ResultsDocument), `npx tsx compat/metaflow-core/merge-results.ts ${out} <the results.json of each run>`);
  fs.writeFileSync(out, renderResults(merged));
  fs.writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(merged, null, 1) + '\n');
}
