import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SampleReport } from './check-samples';
import { REPO, allSamples, asRepositorySource, extractSamples, isCompleteApp, typeCheck } from './samples';

/**
 * Every ```ts block of README.md and docs/*.md is type-checked against this checkout, with `metaflow-cdk`,
 * `metaflow-cdk/local` and `metaflow-cdk/graph` resolving to the package's entry points, so the documentation
 * cannot drift from the API. Blocks that build and synthesize an app are run too, so an example the constructs
 * refuse at synth fails here. A block opts out only with ```ts fragment, and the opt-outs are counted.
 * The checks run in one child process (check-samples.ts through tsx): Node's own loader reads aws-cdk-lib far faster
 * than jest's module registry.
 */
const samples = allSamples();
const checked = samples.filter((s) => !s.fragment);
const fragments = samples.filter((s) => s.fragment);
const apps = checked.filter(isCompleteApp);

describe('code samples of README.md and docs/', () => {
  let report: SampleReport;
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-doc-samples-'));
    const reportFile = path.join(dir, 'report.json');
    const child = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'check-samples.ts'), reportFile], {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!fs.existsSync(reportFile)) throw new Error(`check-samples.ts wrote no report (exit ${child.status}):\n${child.stderr}`);
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as SampleReport;
    fs.rmSync(dir, { recursive: true, force: true });
  }, 600_000);

  test('there are samples to check, and README.md has some', () => {
    expect(checked.length).toBeGreaterThan(5);
    expect(checked.some((s) => s.page === 'README.md')).toBe(true);
    expect(report.samples).toBe(samples.length);
  });

  test(`${fragments.length} of ${samples.length} blocks opt out with \`\`\`ts fragment (at most one in five)`, () => {
    expect(report.fragments).toEqual(fragments.map((s) => s.where));
    expect(fragments.length * 5).toBeLessThanOrEqual(samples.length);
  });

  test(`all ${checked.length} samples type-check against the entry points`, () => {
    expect(report.diagnostics).toEqual([]);
  });

  test.each(apps.map((s) => [s.where] as const))('the complete app at %s synthesizes', (where) => {
    const app = report.apps.find((a) => a.where === where);
    expect(app && { where, error: app.error, synthesized: app.templates > 0 }).toEqual({ where, error: undefined, synthesized: true });
  });

  test('a sample marked file=PATH is that file of the repository', () => {
    for (const sample of checked.filter((s) => s.file !== undefined)) {
      const file = path.join(REPO, sample.file!);
      expect({ where: sample.where, exists: fs.existsSync(file) }).toEqual({ where: sample.where, exists: true });
      expect(asRepositorySource(sample)).toBe(fs.readFileSync(file, 'utf8'));
    }
  });
});

describe('extractSamples', () => {
  const page = [
    '# Page',
    '```ts',
    "import { App } from 'aws-cdk-lib';",
    '```',
    '```sh',
    'npm test',
    '```',
    '- item',
    '  ```ts fragment',
    '  declare const x: number;',
    '  ```',
    '```ts file=examples/python/app.ts',
    "import { MetaflowFlow } from 'metaflow-cdk';",
    '```',
  ].join('\n');

  test('finds ts blocks with their line, indentation removed, and their markers', () => {
    const found = extractSamples('docs/x.md', page);
    expect(found.map((s) => ({ where: s.where, code: s.code, fragment: s.fragment, file: s.file }))).toEqual([
      { where: 'docs/x.md:3', code: "import { App } from 'aws-cdk-lib';\n", fragment: false, file: undefined },
      { where: 'docs/x.md:10', code: 'declare const x: number;\n', fragment: true, file: undefined },
      { where: 'docs/x.md:13', code: "import { MetaflowFlow } from 'metaflow-cdk';\n", fragment: false, file: 'examples/python/app.ts' },
    ]);
    expect(path.dirname(found[2].virtualPath)).toBe(path.join(REPO, 'examples', 'python'));
    expect(asRepositorySource(found[2])).toBe("import { MetaflowFlow } from '../../index';\n");
  });

  test('an unclosed block is an error naming its line', () => {
    expect(() => extractSamples('docs/x.md', '```ts\nconst a = 1;\n')).toThrow('docs/x.md:1: a code block is never closed');
  });

  test('a wrong import or a value of the wrong type fails the type check with the page and line', () => {
    const [bad] = extractSamples('docs/x.md', "text\n```ts\nimport { runLocalFlow } from 'metaflow-cdk/lib/local';\nconst n: number = 'a';\n```\n");
    const messages = typeCheck([bad]).map((d) => d.message);
    expect(messages).toEqual([
      expect.stringMatching(/^docs\/x\.md:3: TS2307 Cannot find module 'metaflow-cdk\/lib\/local'/),
      expect.stringMatching(/^docs\/x\.md:4: TS2322 /),
    ]);
  }, 120_000);
});
