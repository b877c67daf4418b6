import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { analyzeFlow, defineFlow, formatFlowDocument, parseFlowDocumentJson, validateFlow } from '../../../../lib/graph';
import { EXAMPLE_GRAPHS } from '../../../../examples/graphs/flows';

const ROOT = path.join(__dirname, '../../../..');
const TYPE_FIXTURES = path.join(ROOT, 'test/fixtures/graphs/types');

describe('defineFlow', () => {
  it('produces the flow document: steps in declaration order, next as arrays, parameters by name', () => {
    const doc = defineFlow({
      name: 'F',
      parameters: { alpha: { type: 'number', default: 0.5, help: 'a' }, beta: { type: 'string', required: true } },
      steps: { start: { next: ['a', 'b'] }, a: { next: 'j' }, b: { next: 'j', cpu: 2 }, j: { join: true, next: 'end' }, end: {} },
    });
    expect(doc).toEqual({
      version: 1,
      name: 'F',
      parameters: [
        { name: 'alpha', type: 'number', default: 0.5, help: 'a' },
        { name: 'beta', type: 'string', required: true },
      ],
      steps: [
        { name: 'start', next: ['a', 'b'] },
        { name: 'a', next: ['j'] },
        { name: 'b', next: ['j'], cpu: 2 },
        { name: 'j', next: ['end'], join: true },
        { name: 'end', next: [] },
      ],
    });
    expect(validateFlow(doc)).toEqual([]);
  });

  it.each(Object.keys(EXAMPLE_GRAPHS))('round-trips %s: builder -> JSON file -> parse -> equal, and the file is that JSON', (name) => {
    const built = EXAMPLE_GRAPHS[name];
    const text = fs.readFileSync(path.join(ROOT, 'examples/graphs', `${name}.json`), 'utf8');
    expect(text).toBe(formatFlowDocument(built));
    expect(parseFlowDocumentJson(text)).toEqual(built);
    expect(validateFlow(built)).toEqual([]);
  });

  it('expresses every shape: branch, foreach, nested foreach, branch in a foreach, parallel', () => {
    const types = (name: string) => [...analyzeFlow(EXAMPLE_GRAPHS[name]).nodes.values()].map((n) => n.type);
    expect(types('branch')).toContain('split');
    expect(types('nested-foreach').filter((t) => t === 'foreach')).toHaveLength(2);
    expect(analyzeFlow(EXAMPLE_GRAPHS['nested-foreach']).nodes.get('cell')).toMatchObject({ type: 'split', isInsideForeach: true });
    expect(types('parallel')).toEqual(['split-parallel', 'linear', 'join', 'end']);
  });
});

describe('step names are literal types (TypeScript compiler on fixtures)', () => {
  let diagnostics: Map<string, Array<{ line: number; text: string }>>;

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const files = ['misspelled-next.ts', 'valid-flow.ts', 'wrong-default.ts'].map((f) => path.join(TYPE_FIXTURES, f));
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    diagnostics = new Map(files.map((f) => [path.basename(f), []]));
    for (const d of ts.getPreEmitDiagnostics(program)) {
      if (!d.file || !diagnostics.has(path.basename(d.file.fileName))) continue;
      diagnostics.get(path.basename(d.file.fileName))!.push({
        line: d.file.getLineAndCharacterOfPosition(d.start!).line + 1,
        text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      });
    }
  }, 60_000);

  const lineOf = (file: string, marker: string) => fs.readFileSync(path.join(TYPE_FIXTURES, file), 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;

  it('a valid flow with every shape compiles', () => {
    expect(diagnostics.get('valid-flow.ts')).toEqual([]);
  });

  it('a misspelled next, branch target or helper target fails to compile at that line', () => {
    const found = diagnostics.get('misspelled-next.ts')!;
    expect(found).toEqual([
      { line: lineOf('misspelled-next.ts', 'MISSPELLED_NEXT'), text: expect.stringMatching(/'"trian"' is not assignable[\s\S]*Did you mean '"train"'/) },
      { line: lineOf('misspelled-next.ts', 'MISSPELLED_BRANCH'), text: expect.stringContaining(`'"bb"' is not assignable`) },
      { line: lineOf('misspelled-next.ts', 'MISSPELLED_HELPER'), text: expect.stringContaining(`'"wrok"' is not assignable`) },
    ]);
  });

  it('a parameter default of the wrong type fails to compile', () => {
    expect(diagnostics.get('wrong-default.ts')).toEqual([
      { line: lineOf('wrong-default.ts', 'WRONG_DEFAULT'), text: expect.stringContaining("Type 'string' is not assignable to type 'number'") },
    ]);
  });
});
