import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { createGraphCommand, renderGraphOutput } from '../../../../lib/cli/commands/graph';
import { parseFlowDocumentJson } from '../../../../lib/graph/document';
import { foreachStrategyLine } from '../../../../lib/compile/foreach-strategy';
import { METAFLOW_FIXTURES } from '../../../support/fixtures';
import { cli } from '../harness';

const EXAMPLES = path.join(__dirname, '../../../../examples/graphs');

describe('metaflow-cdk graph', () => {
  it('prints the Mermaid flowchart', async () => {
    const { code, stdout, stderr } = await cli('graph', path.join(EXAMPLES, 'foreach.json'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n').slice(0, 4)).toEqual(['---', 'title: ForeachFlow', '---', 'flowchart TD']);
    expect(stdout).toContain('step_start -->|"each letters"| step_upper');
  });

  it('prints the normalized JSON document with --json', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'graph-')), 'messy.json');
    fs.writeFileSync(file, JSON.stringify({ steps: [{ next: ['end'], name: 'start' }, { name: 'end' }], name: 'Messy', version: 1 }));
    const { code, stdout } = await cli('graph', file, '--json');
    expect(code).toBe(0);
    expect(stdout).toBe(`${JSON.stringify({ version: 1, name: 'Messy', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] }, null, 2)}\n`);
    const example = path.join(EXAMPLES, 'parallel.json');
    expect(parseFlowDocumentJson((await cli('graph', example, '--json')).stdout)).toEqual(parseFlowDocumentJson(fs.readFileSync(example, 'utf8')));
  });

  it('refuses an invalid flow with every problem, exit 1', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'graph-')), 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'Bad', steps: [{ name: 'start', next: ['nowhere'] }, { name: 'end' }] }));
    const { code, stdout, stderr } = await cli('graph', file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown step, nowhere');
  });

  it('reports a missing file without a stack trace', async () => {
    const { code, stderr } = await cli('graph', '/does/not/exist.json', '--json');
    expect(code).toBe(1);
    expect(stderr).toBe('error: cannot read /does/not/exist.json: no such file or directory\n');
  });

  it('takes an annotation per node from its creator (the compiler adds the foreach strategy this way)', async () => {
    const annotate = (node: { type: string }) => (node.type === 'foreach' ? 'strategy: distributed map' : undefined);
    const out = renderGraphOutput(path.join(EXAMPLES, 'nested-foreach.json'), false, { annotate });
    expect(out.match(/strategy: distributed map/g)).toHaveLength(2);
    const program = new Command();
    createGraphCommand({ annotate })(program);
    expect(program.commands.map((c) => c.name())).toEqual(['graph']);
  });

  it('annotates each foreach with the strategy the compiler would choose', async () => {
    const { code, stdout } = await cli('graph', path.join(EXAMPLES, 'foreach.json'));
    expect(code).toBe(0);
    // A chain body: Batch array jobs.
    expect(stdout.match(/foreach strategy: array-job \(Batch array jobs\)/g)).toHaveLength(1);
    // The nested foreach's outer body has a foreach of its own: no array job there.
    const nested = renderGraphOutput(path.join(EXAMPLES, 'nested-foreach.json'), false, { annotate: (node, graph) => foreachStrategyLine(node, graph) });
    const lines = nested.match(/foreach strategy: [a-z-]+/g) ?? [];
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l !== 'foreach strategy: array-job')).toBe(true);
    // A Metaflow flow: the outer foreach (its body holds a foreach) keeps Metaflow's inline Map, the inner runs as array jobs.
    const python = await cli('graph', path.join(METAFLOW_FIXTURES, 'nested_foreach_flow', 'flow.py'));
    expect(python.code).toBe(0);
    expect(python.stdout.match(/foreach strategy: inline-map \(inline Map\)/g)).toHaveLength(1);
    expect(python.stdout.match(/foreach strategy: array-job \(Batch array jobs\)/g)).toHaveLength(1);
  });
});
