import * as fs from 'fs';
import * as path from 'path';
import { REPO, documentationPages } from './samples';

/**
 * Pages other work adds to docs/ (packaging, security, metadata service, the real Metaflow locally, Metaflow's test
 * suite, wide foreaches). Links to them are allowed before they exist; once a page exists its anchors are checked.
 */
const PAGES_WRITTEN_ELSEWHERE = new Set([
  'docs/embedding.md',
  'docs/security.md',
  'docs/metadata-service.md',
  'docs/local-metadata-service.md',
  'docs/python-flows-locally.md',
  'docs/metaflow-test-suite.md',
  'docs/foreach-at-scale.md',
]);

/** GitHub's heading anchors: lower case, punctuation dropped (but `-` and `_`), spaces to `-`, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links of a page outside code: `[text](target)`, with their line. */
function relativeLinks(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  let inFence = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) inFence = !inFence;
    if (inFence) return;
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/i.test(match[1])) links.push({ line: i + 1, target: match[1] });
    }
  });
  return links;
}

describe('links of README.md and docs/', () => {
  test('every relative link names a file of the repository and a heading of it', () => {
    const broken: string[] = [];
    for (const page of documentationPages()) {
      const text = fs.readFileSync(path.join(REPO, page), 'utf8');
      for (const { line, target } of relativeLinks(text)) {
        const [file, anchor] = target.split('#');
        const resolved = file ? path.relative(REPO, path.resolve(path.dirname(path.join(REPO, page)), file)) : page;
        const exists = fs.existsSync(path.join(REPO, resolved));
        if (!exists) {
          if (!PAGES_WRITTEN_ELSEWHERE.has(resolved)) broken.push(`${page}:${line}: ${target}: no file ${resolved}`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !headingAnchors(fs.readFileSync(path.join(REPO, resolved), 'utf8')).has(anchor)) {
          broken.push(`${page}:${line}: ${target}: ${resolved} has no heading #${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('README.md links every page of docs/', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const index = fs.readFileSync(path.join(REPO, 'docs', 'README.md'), 'utf8');
    for (const page of documentationPages().filter((p) => p.startsWith('docs/') && p !== 'docs/README.md')) {
      expect({ page, inReadme: readme.includes(`](${page})`), inIndex: index.includes(`](${path.basename(page)})`) }).toEqual({ page, inReadme: true, inIndex: true });
    }
  });

  test('README.md stays a front door of at most about 300 lines', () => {
    expect(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });

  test('every reference page of docs/ has "Defaults" and "Limits" (pages written elsewhere: where apt)', () => {
    for (const page of documentationPages().filter((p) => p.startsWith('docs/') && p !== 'docs/README.md' && !PAGES_WRITTEN_ELSEWHERE.has(p))) {
      const anchors = headingAnchors(fs.readFileSync(path.join(REPO, page), 'utf8'));
      expect({ page, defaults: anchors.has('defaults'), limits: anchors.has('limits') }).toEqual({ page, defaults: true, limits: true });
    }
  });

  test('heading anchors follow GitHub', () => {
    const anchors = headingAnchors('# Flows on AWS: `MetaflowFlow`\n## Running: `run --local`\n```sh\n# not a heading\n```\n## Limits\n### Limits\n');
    expect([...anchors]).toEqual(['flows-on-aws-metaflowflow', 'running-run---local', 'limits', 'limits-1']);
  });
});
