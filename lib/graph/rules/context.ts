import { Problem } from '../../errors';
import { FlowGraph } from '../analyze';
import { FlowDocument, SourceLocation, StepSpec } from '../model';

/** What every validation rule sees. `graph` is missing when the flow has no start or end step. */
export interface RuleContext {
  readonly doc: FlowDocument;
  readonly graph?: FlowGraph;
  /** `flow "name"`. */
  readonly flowWhere: string;
  /** Parameters the flow's schedule passes. */
  readonly scheduledParameters: ReadonlySet<string>;
  /** `flow "name" step "step"`, with the source location when the document has one. */
  stepWhere(step: string): string;
  /** The first step of that name, if any. */
  step(name: string): StepSpec | undefined;
  /** How fixes spell step properties: JSON fields, or Metaflow's Python for a flow imported from a `.py` file. */
  readonly spell: Spelling;
}

export interface Spelling {
  /** What makes `step` a join: `"join": true`, or `def step(self, inputs)`. */
  join(step: string): string;
  /** How to make `step` an ordinary step again. */
  unjoin(step: string): string;
  /** What makes a step the body of a multi-node split: `"parallel": true`, or `@parallel`. */
  readonly parallel: string;
  /** What starts `step` on several nodes: `"numParallel": <nodes>`, or `self.next(self.step, num_parallel=<nodes>)`. */
  numParallel(step: string): string;
  /** The kinds of split. */
  readonly splits: string;
  /** What marks the entry or terminal step: `"start": true`, or `@step(start=True)`. */
  flag(flag: 'start' | 'end'): string;
  /** A transition to `step`: `"next": ["step"]`, or `self.next(self.step)`. */
  next(step: string): string;
}

const JSON_SPELLING: Spelling = {
  join: () => '"join": true',
  unjoin: (step) => `remove "join": true from ${step}`,
  parallel: '"parallel": true',
  numParallel: () => '"numParallel": <nodes>',
  splits: 'two or more next steps, foreach or numParallel',
  flag: (flag) => `"${flag}": true`,
  next: (step) => `"next": ["${step}"]`,
};

const PYTHON_SPELLING: Spelling = {
  join: (step) => `def ${step}(self, inputs)`,
  unjoin: (step) => `drop the inputs argument: def ${step}(self)`,
  parallel: '@parallel',
  numParallel: (step) => `self.next(self.${step}, num_parallel=<nodes>)`,
  splits: 'self.next(self.a, self.b), foreach= or num_parallel=',
  flag: (flag) => `@step(${flag}=True)`,
  next: (step) => `self.next(self.${step})`,
};

export type Rule = (ctx: RuleContext) => Problem[];

export function createContext(doc: FlowDocument, graph: FlowGraph | undefined, scheduledParameters: readonly string[] = []): RuleContext {
  const flowWhere = `flow "${doc.name}"`;
  const byName = new Map<string, StepSpec>();
  for (const step of doc.steps) if (!byName.has(step.name)) byName.set(step.name, step);
  return {
    doc,
    graph,
    flowWhere,
    scheduledParameters: new Set(scheduledParameters),
    spell: doc.runtime?.kind === 'metaflow' ? PYTHON_SPELLING : JSON_SPELLING,
    step: (name) => byName.get(name),
    stepWhere(name) {
      return atSource(`${flowWhere} step "${name}"`, byName.get(name)?.source);
    },
  };
}

/** `where`, followed by the file and line it was declared at when the importer recorded them. */
export function atSource(where: string, source: SourceLocation | undefined): string {
  return source ? `${where} (${source.file}:${source.line})` : where;
}

/** `a, b and c`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
