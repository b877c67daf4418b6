import { FOREACH_LIKE_TYPES, FlowGraph, GraphNode } from './analyze';
import { METAFLOW_DEFAULT_TIMEOUT_SECONDS } from './model';
import { scheduleExpression } from './rules/schedule';

export interface DiagramOptions {
  /**
   * An extra line on a node, e.g. the foreach strategy the compiler chose. Called for every node;
   * return undefined for none.
   */
  readonly annotate?: (node: GraphNode, graph: FlowGraph) => string | undefined;
  /** Flow direction. Default `TD` (top down). */
  readonly direction?: 'TD' | 'LR';
}

/** Mermaid node id of a step: prefixed, because `end` (and others) are Mermaid keywords. */
export function mermaidId(step: string): string {
  return `step_${step.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Text inside a quoted Mermaid label: entity codes for the characters that end or confuse it. */
export function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\r?\n/g, ' ');
}

const label = (lines: readonly string[]) => `"${lines.map(mermaidText).join('<br/>')}"`;

/** Node shapes: `[open, close]` around the quoted label. */
const SHAPES: Record<GraphNode['type'], [string, string]> = {
  start: ['([', '])'],
  end: ['([', '])'],
  linear: ['[', ']'],
  split: ['{{', '}}'],
  'split-switch': ['{', '}'],
  foreach: ['[/', '/]'],
  'split-parallel': ['[/', '\\]'],
  join: ['[\\', '/]'],
};

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}min`;
  return `${seconds}s`;
}

/** The lines of a node: name, kind, resources, retries/timeout/catch, annotation. */
export function nodeLines(node: GraphNode, graph: FlowGraph, options: DiagramOptions = {}): string[] {
  const s = node.step;
  const lines = [node.name];
  if (node.type === 'foreach') lines.push(`foreach ${node.foreachParam}`);
  if (node.type === 'split') lines.push(`branch ×${node.outFuncs.length}`);
  if (node.type === 'split-switch') lines.push(`switch on ${s.switch?.condition}`);
  if (node.type === 'split-parallel') lines.push(`num_parallel ${node.numParallel}`);
  if (node.type === 'join') lines.push('join');
  if (s.parallel) lines.push('@parallel (multi-node)');
  const resources = [`${s.cpu} vCPU`, `${s.memory} MiB`];
  if (s.gpu) resources.push(`${s.gpu} GPU`);
  if (s.inferentia) resources.push(`${s.inferentia} Inferentia`);
  if (s.trainium) resources.push(`${s.trainium} Trainium`);
  if (s.efa) resources.push(`${s.efa} EFA`);
  if (s.sharedMemory) resources.push(`shm ${s.sharedMemory} MiB`);
  if (s.ephemeralStorage) resources.push(`${s.ephemeralStorage} GiB disk`);
  lines.push(resources.join(' · '));
  if (s.queue) lines.push(`queue ${s.queue}`);
  const behaviour: string[] = [];
  if (s.retry && s.retry.times > 0) {
    behaviour.push(`retry ×${s.retry.times}${s.retry.minutesBetweenRetries ? ` every ${s.retry.minutesBetweenRetries} min` : ''}`);
  }
  if (s.timeoutSeconds !== undefined && s.timeoutSeconds !== METAFLOW_DEFAULT_TIMEOUT_SECONDS) behaviour.push(`timeout ${formatDuration(s.timeoutSeconds)}`);
  if (s.catch) behaviour.push(`catch → ${s.catch.var ?? 'exception'}`);
  if (behaviour.length > 0) lines.push(behaviour.join(' · '));
  const extra = options.annotate?.(node, graph);
  if (extra) lines.push(extra);
  return lines;
}

/** The condition's values that lead a switch to `child`, as the flow writes them. */
function switchCasesTo(node: GraphNode, child: string): string[] {
  return Object.entries(node.step.switch?.cases ?? {}).filter(([, step]) => step === child).map(([value]) => `${node.step.switch!.condition} = ${value}`);
}

/** How a run starts: parameters, schedule, S3 triggers. Empty when only a manual start exists. */
export function entryLines(graph: FlowGraph): string[] {
  const doc = graph.document;
  const lines: string[] = [];
  if (doc.parameters?.length) lines.push(`parameters: ${doc.parameters.map((p) => p.name + (p.required ? '*' : '')).join(', ')}`);
  if (doc.schedule) lines.push(`schedule ${scheduleExpression(doc.schedule)}${doc.schedule.timezone ? ` ${doc.schedule.timezone}` : ''}`);
  for (const t of doc.triggers ?? []) lines.push(`on upload s3://${t.bucket}/${t.prefix ?? ''}*${t.suffix ?? ''}`);
  return lines;
}

/** The foreach (or parallel split) whose body a node belongs to, innermost; undefined at top level. */
function scopeOf(node: GraphNode, graph: FlowGraph): string | undefined {
  const open = node.type === 'join' ? node.splitParents.slice(0, -1) : node.splitParents;
  return [...open].reverse().find((p) => FOREACH_LIKE_TYPES.has(graph.nodes.get(p)!.type));
}

/**
 * A Mermaid flowchart of a (valid) flow: one node per step with its resources and retries, branches as hexagons,
 * each foreach and parallel body in a subgraph named after its variable, the schedule and triggers at the entry.
 */
export function renderMermaid(graph: FlowGraph, options: DiagramOptions = {}): string {
  const out: string[] = ['---', `title: ${mermaidText(graph.document.name)}`, '---', `flowchart ${options.direction ?? 'TD'}`];
  const reachable = graph.sortedNames.map((n) => graph.nodes.get(n)!);
  const members = new Map<string | undefined, GraphNode[]>();
  for (const node of reachable) {
    const scope = scopeOf(node, graph);
    members.set(scope, [...(members.get(scope) ?? []), node]);
  }
  const emit = (scope: string | undefined, indent: string): void => {
    for (const node of members.get(scope) ?? []) {
      const [open, close] = SHAPES[node.type];
      out.push(`${indent}${mermaidId(node.name)}${open}${label(nodeLines(node, graph, options))}${close}`);
      if (FOREACH_LIKE_TYPES.has(node.type) && members.has(node.name)) {
        const title = node.type === 'foreach' ? `for each item of ${node.foreachParam}` : `${node.numParallel} parallel nodes`;
        out.push(`${indent}subgraph body_${mermaidId(node.name)} [${label([title])}]`);
        emit(node.name, `${indent}  `);
        out.push(`${indent}end`);
      }
    }
  };
  const entry = entryLines(graph);
  if (entry.length > 0) out.push(`  flow_entry(${label(entry)})`);
  emit(undefined, '  ');
  if (entry.length > 0) out.push(`  flow_entry --> ${mermaidId(graph.start)}`);
  for (const node of reachable) {
    for (const child of node.outFuncs) {
      const edgeLabel =
        node.type === 'foreach' ? `|${label([`each ${node.foreachParam}`])}|`
        : node.type === 'split-parallel' ? `|${label([`×${node.numParallel}`])}|`
        : node.type === 'split-switch' ? `|${label([switchCasesTo(node, child).join(' · ')])}|`
        : '';
      out.push(`  ${mermaidId(node.name)} -->${edgeLabel} ${mermaidId(child)}`);
    }
  }
  const classes: Array<[string, (n: GraphNode) => boolean]> = [
    ['branch', (n) => n.type === 'split' || n.type === 'split-switch'],
    ['foreach', (n) => n.type === 'foreach' || n.type === 'split-parallel'],
    ['join', (n) => n.type === 'join'],
    ['parallel', (n) => n.step.parallel === true],
  ];
  out.push('  classDef branch fill:#fff4e0,stroke:#d08a00');
  out.push('  classDef foreach fill:#e8f0fe,stroke:#3867d6');
  out.push('  classDef join fill:#e9f7ef,stroke:#2e8b57');
  out.push('  classDef parallel fill:#fdecef,stroke:#c0392b');
  for (const [name, test] of classes) {
    const ids = reachable.filter(test).map((n) => mermaidId(n.name));
    if (ids.length > 0) out.push(`  class ${ids.join(',')} ${name}`);
  }
  return `${out.join('\n')}\n`;
}
