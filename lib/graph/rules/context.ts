import { Problem } from '../../errors';
import { FlowGraph } from '../analyze';
import { FlowDocument, StepSpec } from '../model';

/** What every validation rule sees. `graph` is missing when the flow has no start or end step. */
export interface RuleContext {
  readonly doc: FlowDocument;
  readonly graph?: FlowGraph;
  /** `flow "name"`. */
  readonly flowWhere: string;
  /** `flow "name" step "step"`, with the source location when the document has one. */
  stepWhere(step: string): string;
  /** The first step of that name, if any. */
  step(name: string): StepSpec | undefined;
}

export type Rule = (ctx: RuleContext) => Problem[];

export function createContext(doc: FlowDocument, graph: FlowGraph | undefined): RuleContext {
  const flowWhere = `flow "${doc.name}"`;
  const byName = new Map<string, StepSpec>();
  for (const step of doc.steps) if (!byName.has(step.name)) byName.set(step.name, step);
  return {
    doc,
    graph,
    flowWhere,
    step: (name) => byName.get(name),
    stepWhere(name) {
      const source = byName.get(name)?.source;
      return `${flowWhere} step "${name}"${source ? ` (${source.file}:${source.line})` : ''}`;
    },
  };
}

/** `a, b and c`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
