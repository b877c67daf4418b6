import { spawnSync } from 'child_process';
import * as path from 'path';
import { analyzeFlow, assertValidFlow } from '../../../lib/graph';
import { entryLines, mermaidId, mermaidText, nodeLines, renderMermaid } from '../../../lib/graph/diagram';
import { EXAMPLE_GRAPHS } from '../../../examples/graphs/flows';
import { flow, step } from './flows';

const PARSER = path.join(__dirname, '../../fixtures/graphs/mermaid/parse-mermaid.mjs');

/** Mermaid's own parser (mermaid 11, run in a Node child process because jest cannot load its ESM build). */
function parseWithMermaid(diagrams: string[]): Array<{ ok: boolean; type?: string; error?: string }> {
  const run = spawnSync(process.execPath, [PARSER], { input: JSON.stringify(diagrams), encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`mermaid parser failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const diagram = (name: string) => renderMermaid(assertValidFlow(EXAMPLE_GRAPHS[name]));

describe('renderMermaid', () => {
  it('emits diagrams that Mermaid parses as flowcharts, and Mermaid rejects a broken one', () => {
    const names = Object.keys(EXAMPLE_GRAPHS);
    const tricky = flow([step('start', ['end'], { doc: 'x', queue: 'q"#<b>`' }), step('end')], { name: 'Tricky' });
    const results = parseWithMermaid([...names.map(diagram), renderMermaid(analyzeFlow(tricky)), 'flowchart TD\n  end --> a']);
    expect(results.slice(0, -1)).toEqual([...names, 'tricky'].map(() => ({ ok: true, type: 'flowchart-v2' })));
    expect(results[results.length - 1].ok).toBe(false);
  }, 60_000);

  it('shows a switch as a rhombus with the condition, its edges labelled with the values, and Mermaid parses it', () => {
    const switchFlow = flow([
      step('start', ['loop', 'end'], { switch: { condition: 'again', cases: { yes: 'loop', no: 'end' } } }),
      step('loop', ['loop', 'end'], { switch: { condition: 'again', cases: { yes: 'loop', no: 'end', stop: 'end' } } }),
      step('end'),
    ], { runtime: { kind: 'metaflow', flowFile: 'f.py', flowClass: 'F' } });
    const text = renderMermaid(assertValidFlow(switchFlow));
    expect(text).toContain('step_loop{"loop<br/>switch on again<br/>1 vCPU · 4096 MiB"}');
    expect(text).toContain('step_loop -->|"again = yes"| step_loop');
    expect(text).toContain('step_loop -->|"again = no · again = stop"| step_end');
    expect(text).toMatch(/class step_start,step_loop branch/);
    expect(parseWithMermaid([text])).toEqual([{ ok: true, type: 'flowchart-v2' }]);
  }, 60_000);

  it('gives each step a prefixed id, since end is a Mermaid keyword', () => {
    expect(mermaidId('end')).toBe('step_end');
    expect(diagram('hello')).toMatch(/^ {2}step_end\(\["end<br\/>/m);
  });

  it('escapes characters that would end a label', () => {
    expect(mermaidText('a "b" #1 <i> `c`\nd')).toBe('a #quot;b#quot; #35;1 #lt;i#gt; #96;c#96; d');
  });

  it('shows branches as hexagons and joins as trapezoids', () => {
    const text = diagram('branch');
    expect(text).toContain('step_start{{"start<br/>branch ×2<br/>1 vCPU · 4096 MiB"}}');
    expect(text).toMatch(/step_merge\[\\"merge<br\/>join/);
    expect(text).toContain('step_start --> step_left');
    expect(text).toContain('step_start --> step_right');
    expect(text).toContain('class step_start branch');
  });

  it('puts each foreach body in a subgraph named after its variable, nested for a nested foreach', () => {
    const lines = diagram('nested-foreach').split('\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(lines[at('subgraph body_step_start')]).toContain('"for each item of rows"');
    expect(lines[at('subgraph body_step_row')]).toMatch(/^ {4}subgraph/);
    // cell (a branch inside the inner body) sits inside both subgraphs; join_rows after them.
    expect(at('step_cell{{')).toBeGreaterThan(at('subgraph body_step_row'));
    expect(lines[at('step_cell{{')]).toMatch(/^ {6}/);
    expect(lines[at('step_join_cols[')]).toMatch(/^ {4}step/);
    expect(lines[at('step_join_rows[')]).toMatch(/^ {2}step/);
    expect(lines).toContain('  step_start -->|"each rows"| step_row');
  });

  it('shows the parallel split and the @parallel step with its resources', () => {
    const text = diagram('parallel');
    expect(text).toContain('step_start -->|"×4"| step_train');
    expect(text).toContain('subgraph body_step_start ["4 parallel nodes"]');
    expect(text).toContain('train<br/>@parallel (multi-node)<br/>8 vCPU · 32768 MiB · 1 GPU · 1 EFA · shm 4096 MiB');
    expect(text).toContain('class step_train parallel');
  });

  it('shows resources, retries, timeout and catch on the nodes, and schedule, triggers and parameters at the entry', () => {
    const graph = assertValidFlow(EXAMPLE_GRAPHS['scheduled-etl']);
    expect(nodeLines(graph.nodes.get('load')!, graph)).toEqual(['load', 'join', '2 vCPU · 8192 MiB', 'queue default', 'retry ×4 every 5 min · timeout 1h']);
    expect(nodeLines(graph.nodes.get('transform')!, graph)).toContain('retry ×1 · catch → transform_error');
    expect(nodeLines(graph.nodes.get('end')!, graph)).toContain('0.5 vCPU · 2048 MiB · 30 GiB disk');
    expect(entryLines(graph)).toEqual([
      'parameters: date, batch-size, dry_run, options',
      'schedule cron(30 2 * * ? *) Europe/Berlin',
      'on upload s3://acme-landing/incoming/*.csv',
    ]);
    expect(renderMermaid(graph)).toContain('flow_entry --> step_start');
  });

  it('has no entry node when a run can only be started by hand without parameters', () => {
    expect(diagram('hello')).not.toContain('flow_entry');
  });

  it('adds an annotation line per node when asked (e.g. the foreach strategy)', () => {
    const graph = assertValidFlow(EXAMPLE_GRAPHS.foreach);
    const text = renderMermaid(graph, { annotate: (node) => (node.type === 'foreach' ? 'strategy: array job' : undefined), direction: 'LR' });
    expect(text).toContain('flowchart LR');
    expect(text).toContain('foreach letters<br/>1 vCPU · 4096 MiB<br/>strategy: array job"/]');
    expect(text.match(/strategy/g)).toHaveLength(1);
  });

  it.each(['branch', 'nested-foreach', 'scheduled-etl'])('matches the snapshot of %s', (name) => {
    expect(diagram(name)).toMatchSnapshot();
  });
});
