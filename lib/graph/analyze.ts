import { ValidationError } from '../errors';
import { FlowDocument, NodeType, StepSpec } from './model';
import { effectiveStep } from './settings';

/** One step of an analysed graph, with the fields of Metaflow's `DAGNode` (`metaflow/graph.py`). */
export interface GraphNode {
  readonly name: string;
  readonly type: NodeType;
  /** Parents reachable from the entry step, sorted (Metaflow's `in_funcs`). */
  readonly inFuncs: string[];
  /** The step's `next`, in declaration order (Metaflow's `out_funcs`). */
  readonly outFuncs: string[];
  /** Enclosing split/foreach/parallel steps, outermost first. A join lists the split it closes as the last one. */
  readonly splitParents: string[];
  /**
   * The first step of each enclosing split's branch that leads here, outermost first (Metaflow's `split_branches`);
   * a join's list ends at the branch of the split it closes, so its parents' last entries name the branches it joins.
   */
  readonly splitBranches: string[];
  /** On a split, foreach or parallel split: the join that closes it. */
  readonly matchingJoin?: string;
  /** On a foreach: the artifact it iterates over. */
  readonly foreachParam?: string;
  /** On a `split-parallel` step: the number of nodes of the parallel step. */
  readonly numParallel?: number;
  /** True when some enclosing foreach (or parallel split, as in Metaflow) is not closed by this step itself. */
  readonly isInsideForeach: boolean;
  /** The step with Metaflow's defaults (cpu, memory, timeout) and the flow's `defaults` merged in. */
  readonly step: StepSpec;
}

export interface FlowGraph {
  readonly document: FlowDocument;
  /** Name of the entry step. */
  readonly start: string;
  /** Name of the terminal step. */
  readonly end: string;
  /** Every step of the document by name, reachable or not. */
  readonly nodes: Map<string, GraphNode>;
  /** Steps reachable from `start`, in Metaflow's `sorted_nodes` order: topological, `start` first. */
  readonly sortedNames: string[];
}

/** Node types that open a scope that a join closes. */
export const SPLIT_TYPES: ReadonlySet<NodeType> = new Set<NodeType>(['split', 'foreach', 'split-parallel']);
/** Split types whose body runs once per item (a parallel split is a foreach over node indices in Metaflow). */
export const FOREACH_LIKE_TYPES: ReadonlySet<NodeType> = new Set<NodeType>(['foreach', 'split-parallel']);

/** Entry and terminal steps: the unique annotated one (`start: true` / `end: true`), else the one named so. */
export function findTerminals(doc: FlowDocument): { start?: string; end?: string } {
  const pick = (flag: 'start' | 'end'): string | undefined => {
    const annotated = doc.steps.filter((s) => s[flag] === true);
    if (annotated.length > 0) return annotated[0].name;
    return doc.steps.some((s) => s.name === flag) ? flag : undefined;
  };
  return { start: pick('start'), end: pick('end') };
}

/** The node type Metaflow gives a step (`DAGNode._parse` and `_identify_start_end`). */
export function nodeTypeOf(step: StepSpec, isStart: boolean, isEnd: boolean): NodeType {
  if (isEnd) return 'end';
  if (step.switch !== undefined) return 'split-switch';
  if (step.next.length >= 2) return 'split';
  if (step.foreach !== undefined) return 'foreach';
  if (step.numParallel !== undefined) return 'split-parallel';
  if (step.join === true) return 'join';
  return isStart ? 'start' : 'linear';
}

interface Scratch {
  inFuncs: Set<string>;
  splitParents: string[];
  splitBranches: string[];
  matchingJoin?: string;
}

class BudgetExceeded extends Error {}

/** Visits beyond which the exact (path-enumerating) traversal gives way to a memoised one. */
const EXACT_TRAVERSAL_BUDGET = 20_000;

/**
 * Metaflow's `_traverse_graph`: a DFS over every path from the entry step that ignores loops and unknown steps.
 * The last visit of a node decides its place in `sortedNames`, as in Metaflow.
 * With `memoise`, a node reached again with the same split stack is not walked again (same fields, linear time),
 * and the order is recomputed topologically afterwards.
 */
function traverse(
  byName: Map<string, StepSpec>,
  types: Map<string, NodeType>,
  start: string,
  scratch: Map<string, Scratch>,
  memoise: boolean,
): string[] {
  const sorted: string[] = [];
  const done = new Set<string>();
  let visits = 0;
  const visit = (name: string, seen: ReadonlySet<string>, splitParents: string[], splitBranches: string[]): void => {
    if (memoise) {
      const key = `${name}|${splitParents.join(',')}|${splitBranches.join(',')}`;
      if (done.has(key)) return;
      done.add(key);
    } else if (++visits > EXACT_TRAVERSAL_BUDGET) {
      throw new BudgetExceeded();
    }
    const at = sorted.indexOf(name);
    if (at >= 0) sorted.splice(at, 1);
    sorted.push(name);
    const node = scratch.get(name)!;
    const type = types.get(name)!;
    let childParents = splitParents;
    let childBranches = splitBranches;
    const opens = SPLIT_TYPES.has(type);
    if (opens) {
      node.splitParents = splitParents;
      node.splitBranches = splitBranches;
      childParents = [...splitParents, name];
    } else if (type === 'join') {
      // Metaflow ignores a join without an open split here; the linter reports it.
      if (splitParents.length > 0) {
        scratch.get(splitParents[splitParents.length - 1])!.matchingJoin = name;
        node.splitParents = splitParents;
        node.splitBranches = splitBranches.slice(0, -1);
        childParents = splitParents.slice(0, -1);
        childBranches = splitBranches.slice(0, -1);
      }
    } else {
      node.splitParents = splitParents;
      node.splitBranches = splitBranches;
    }
    for (const child of byName.get(name)!.next) {
      // `seen` holds the step itself from its parent's visit, except for the entry step; so a switch's transition to
      // itself (a recursive step) is no parent of it, as in Metaflow.
      if (seen.has(child) || child === name || !byName.has(child)) continue;
      scratch.get(child)!.inFuncs.add(name);
      visit(child, new Set([...seen, child]), childParents, opens ? [...childBranches, child] : childBranches);
    }
  };
  visit(start, new Set(), [], []);
  return sorted;
}

/** Kahn's algorithm over the reachable steps, ties in declaration order; steps on a loop come last. */
function topologicalOrder(doc: FlowDocument, reachable: ReadonlySet<string>, scratch: Map<string, Scratch>): string[] {
  const names = doc.steps.map((s) => s.name).filter((n, i, all) => reachable.has(n) && all.indexOf(n) === i);
  const indegree = new Map(names.map((n) => [n, scratch.get(n)!.inFuncs.size]));
  const byName = new Map(doc.steps.map((s) => [s.name, s]));
  const order: string[] = [];
  const ready = names.filter((n) => indegree.get(n) === 0);
  while (ready.length > 0) {
    const name = ready.shift()!;
    order.push(name);
    for (const child of byName.get(name)!.next) {
      if (!indegree.has(child)) continue;
      indegree.set(child, indegree.get(child)! - 1);
      if (indegree.get(child) === 0) ready.push(child);
    }
  }
  return [...order, ...names.filter((n) => !order.includes(n))];
}

/**
 * Builds the graph of a flow document the way Metaflow's `FlowGraph` does. It tolerates broken graphs (unknown
 * steps, loops, unbalanced joins) so the validator can analyse them, but it needs an entry and a terminal step.
 * Call `validateFlow` first, or use `assertValidFlow`.
 */
export function analyzeFlow(doc: FlowDocument): FlowGraph {
  const { start, end } = findTerminals(doc);
  if (start === undefined || end === undefined) {
    throw new ValidationError([
      {
        where: `flow "${doc.name}"`,
        field: 'steps',
        value: doc.steps.map((s) => s.name),
        message: `the flow has no ${start === undefined ? 'start' : 'end'} step`,
        fix: `add a step named "${start === undefined ? 'start' : 'end'}"`,
      },
    ]);
  }
  const byName = new Map<string, StepSpec>();
  for (const step of doc.steps) if (!byName.has(step.name)) byName.set(step.name, step);
  const types = new Map([...byName.values()].map((s) => [s.name, nodeTypeOf(s, s.name === start, s.name === end)]));
  const fresh = () => new Map([...byName.keys()].map((n) => [n, { inFuncs: new Set<string>(), splitParents: [], splitBranches: [] } as Scratch]));

  let scratch = fresh();
  let sortedNames: string[];
  try {
    sortedNames = traverse(byName, types, start, scratch, false);
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    scratch = fresh();
    const reachable = new Set(traverse(byName, types, start, scratch, true));
    sortedNames = topologicalOrder(doc, reachable, scratch);
  }

  const nodes = new Map<string, GraphNode>();
  for (const step of byName.values()) {
    const s = scratch.get(step.name)!;
    const type = types.get(step.name)!;
    const isInsideForeach = s.splitParents.some(
      (p) => FOREACH_LIKE_TYPES.has(types.get(p)!) && scratch.get(p)!.matchingJoin !== step.name,
    );
    nodes.set(step.name, {
      name: step.name,
      type,
      inFuncs: [...s.inFuncs].sort(),
      outFuncs: [...step.next],
      splitParents: s.splitParents,
      splitBranches: s.splitBranches,
      ...(s.matchingJoin !== undefined && SPLIT_TYPES.has(type) ? { matchingJoin: s.matchingJoin } : {}),
      ...(type === 'foreach' ? { foreachParam: step.foreach } : {}),
      ...(type === 'split-parallel' ? { numParallel: step.numParallel } : {}),
      isInsideForeach,
      step: effectiveStep(doc.defaults, step),
    });
  }
  return { document: doc, start, end, nodes, sortedNames };
}
