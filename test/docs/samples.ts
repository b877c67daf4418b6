import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export const REPO = path.resolve(__dirname, '..', '..');

/** The package's public entry points, as a consumer imports them, mapped to their sources in this checkout. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  'metaflow-cdk': 'index.ts',
  'metaflow-cdk/local': 'lib/local/index.ts',
  'metaflow-cdk/graph': 'lib/graph/index.ts',
  'metaflow-cdk/security': 'lib/stacks/security-checks.ts',
};

/** A ```ts block of a Markdown page. */
export interface CodeSample {
  /** `README.md:57`: the page and the line of the block's first code line. */
  readonly where: string;
  readonly page: string;
  /** 1-based line of the first code line in the page. */
  readonly line: number;
  readonly code: string;
  /** ```ts fragment: excluded from checking on purpose (counted). */
  readonly fragment: boolean;
  /** ```ts file=PATH: the block is that repository file, with the entry points written as a consumer imports them. */
  readonly file?: string;
  /** Where the sample is compiled and run from: the repository root, or the directory of `file`. */
  readonly virtualPath: string;
}

const FENCE = /^(\s*)```(\S*)(.*)$/;

/** Every ```ts (or ```typescript) block of `page` (a path relative to the repository). */
export function extractSamples(page: string, text: string): CodeSample[] {
  const samples: CodeSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const indent = open[1];
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${page}:${i + 1}: a code block is never closed`);
    const language = open[2];
    if (language === 'ts' || language === 'typescript') {
      const attributes = open[3].trim().split(/\s+/).filter(Boolean);
      const file = attributes.find((a) => a.startsWith('file='))?.slice('file='.length);
      const index = samples.length;
      const dir = file ? path.dirname(file) : '.';
      samples.push({
        where: `${page}:${i + 2}`,
        page,
        line: i + 2,
        code: lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n') + '\n',
        fragment: attributes.includes('fragment'),
        file,
        virtualPath: path.join(REPO, dir, `__doc_sample_${page.replace(/[^A-Za-z0-9]/g, '_')}_${index}.ts`),
      });
    }
    i = end;
  }
  return samples;
}

/** README.md and every page of docs/, relative to the repository. */
export function documentationPages(): string[] {
  const docs = fs.existsSync(path.join(REPO, 'docs')) ? fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort() : [];
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

export function allSamples(): CodeSample[] {
  return documentationPages().flatMap((page) => extractSamples(page, fs.readFileSync(path.join(REPO, page), 'utf8')));
}

/** A `file=` sample's source as it lives in the repository: consumer imports turned into relative ones. */
export function asRepositorySource(sample: CodeSample): string {
  const from = path.dirname(path.join(REPO, sample.file!));
  return sample.code.replace(/(from\s+)'(metaflow-cdk(?:\/[a-z]+)?)'/g, (whole, prefix: string, specifier: string) => {
    const target = ENTRY_POINTS[specifier];
    if (!target) return whole;
    let relative = path.relative(from, path.join(REPO, target)).replace(/\.ts$/, '').split(path.sep).join('/');
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${prefix}'${relative}'`;
  });
}

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(REPO, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO);
  return {
    ...parsed.options,
    // Samples are pages of a document: a name shown but not used again is fine. They compile as a user's CDK app does
    // (CommonJS, the package being CommonJS only), so top-level await is refused as it would be there.
    noUnusedLocals: false,
    noUnusedParameters: false,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: ['node'],
    noEmit: true,
    declaration: false,
    sourceMap: false,
    baseUrl: REPO,
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([specifier, file]) => [specifier, [file]])),
  };
}

/** One problem of one sample: `README.md:60: TS2305 Module '"metaflow-cdk"' has no exported member 'Foo'.` */
export interface SampleDiagnostic {
  readonly sample: CodeSample;
  readonly message: string;
}

/** Type-checks every sample in one compiler program, each as if it were a file at its `virtualPath`. */
export function typeCheck(samples: readonly CodeSample[]): SampleDiagnostic[] {
  const byPath = new Map(samples.map((s) => [path.normalize(s.virtualPath), s]));
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const sample = byPath.get(path.normalize(fileName));
    if (sample) return ts.createSourceFile(fileName, sample.code, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => byPath.has(path.normalize(fileName)) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => byPath.get(path.normalize(fileName))?.code ?? readFile(fileName);

  const program = ts.createProgram([...byPath.keys()], options, host);
  const diagnostics: SampleDiagnostic[] = [];
  for (const [fileName, sample] of byPath) {
    const source = program.getSourceFile(fileName)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      diagnostics.push({
        sample,
        message: `${sample.page}:${sample.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      });
    }
  }
  return diagnostics;
}

/** A sample that builds a CDK app and synthesizes it. */
export function isCompleteApp(sample: CodeSample): boolean {
  return /new App\(/.test(sample.code) && /\.synth\(\)/.test(sample.code);
}

/**
 * Runs a complete-app sample in this process, as CommonJS, from its `virtualPath`: the entry points resolve to
 * this checkout's sources, relative imports to the repository. `load` is the caller's `require` (jest's, which
 * compiles TypeScript).
 */
export function runSample(sample: CodeSample, load: (id: string) => unknown): void {
  const js = ts.transpileModule(sample.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: sample.virtualPath,
  }).outputText;
  const dir = path.dirname(sample.virtualPath);
  const sampleRequire = (id: string): unknown => {
    if (ENTRY_POINTS[id]) return load(path.join(REPO, ENTRY_POINTS[id]));
    if (id.startsWith('.')) return load(path.resolve(dir, id));
    return load(id);
  };
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', '__filename', '__dirname', js)(sampleRequire, module, module.exports, sample.virtualPath, dir);
}
