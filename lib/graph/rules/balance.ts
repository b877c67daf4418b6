import { Problem } from '../../errors';
import { FlowGraph, GraphNode, SPLIT_TYPES } from '../analyze';
import { Rule, RuleContext, listNames } from './context';

/** The scope (stack of open splits) that a step leaves open for its children. */
function scopeAfter(node: GraphNode): string[] {
  if (SPLIT_TYPES.has(node.type)) return [...node.splitParents, node.name];
  if (node.type === 'join') return node.splitParents.slice(0, -1);
  return node.splitParents;
}

/**
 * Metaflow's `check_split_join_balance`: every split is joined before the end, a join has as many incoming paths
 * as its split has branches, a join has a split before it, and a join joins the branches of one split only.
 * Walks every path, memoised on (step, open splits) so a wide graph stays linear.
 */
export const checkSplitJoinBalance: Rule = (ctx) => {
  const graph = ctx.graph;
  if (!graph) return [];
  // One problem per step: the walk meets a broken join once per path through it, and the later paths (already
  // thrown off by the first mistake) only add echoes of it.
  const problems = new Map<string, Problem>();
  const add = (problem: Problem) => {
    if (!problems.has(problem.where)) problems.set(problem.where, problem);
  };
  const done = new Set<string>();
  const walk = (name: string, stack: readonly string[]): void => {
    const key = `${name}|${stack.join(',')}`;
    if (done.has(key)) return;
    done.add(key);
    const node = graph.nodes.get(name)!;
    let next = stack;
    if (SPLIT_TYPES.has(node.type)) {
      next = [...stack, name];
    } else if (node.type === 'end') {
      if (stack.length > 0) {
        const split = graph.nodes.get(stack[stack.length - 1])!;
        add({
          where: ctx.stepWhere(name),
          // The open split, not a field of the end step (which has no next).
          field: 'split',
          value: split.name,
          message: `the terminal step ${name} was reached before a split started at step(s) ${split.outFuncs.join(', ')} were joined`,
          fix: `add a join step (${ctx.spell.join('join')}) after ${listNames(split.outFuncs)} and before ${name}`,
        });
      }
    } else if (node.type === 'join') {
      if (stack.length === 0) {
        add({
          where: ctx.stepWhere(name),
          field: 'join',
          value: true,
          message: `step ${name} is a join step but it is not preceded by a split`,
          fix: `${ctx.spell.unjoin(name)}, or add a split (${ctx.spell.splits}) before it`,
        });
      } else {
        next = stack.slice(0, -1);
        checkJoin(ctx, graph, node, stack, add);
      }
    }
    for (const child of node.outFuncs) if (graph.nodes.has(child)) walk(child, next);
  };
  walk(graph.start, []);
  return [...problems.values()];
};

/**
 * As Metaflow resolves them: each parent of a join stands for the branch of the closed split it is on, so the
 * alternatives of a switch inside a branch count once.
 */
function joinedBranches(graph: FlowGraph, join: GraphNode): string[] {
  return [...new Set(join.inFuncs.map((p) => graph.nodes.get(p)!.splitBranches.at(-1) ?? p))];
}

function checkJoin(ctx: RuleContext, graph: FlowGraph, join: GraphNode, stack: readonly string[], add: (p: Problem) => void) {
  const split = graph.nodes.get(stack[stack.length - 1])!;
  const expected = split.type === 'split' ? split.outFuncs.length : 1;
  const branches = joinedBranches(graph, join);
  if (branches.length !== expected) {
    add({
      where: ctx.stepWhere(join.name),
      field: 'join',
      value: join.inFuncs,
      message: `step ${join.name} is a join step but ${join.inFuncs.length} step(s) (${join.inFuncs.join(', ')}) lead to it from ${branches.length} branch(es) (${branches.join(', ')}); it was expecting ${expected} incoming path(s), starting from split step(s) ${split.outFuncs.join(', ')} of ${split.name}`,
      fix: `make each branch of ${split.name} end in ${join.name} exactly once`,
    });
    return;
  }
  const foreign = join.inFuncs.filter((p) => scopeAfter(graph.nodes.get(p)!).join(',') !== stack.join(','));
  if (foreign.length > 0) {
    add({
      where: ctx.stepWhere(join.name),
      field: 'join',
      value: join.inFuncs,
      message: `step ${join.name} joins steps from unrelated splits: ${listNames(foreign)} do not belong to the split at ${split.name}`,
      fix: `join each split separately: give the inner split its own join step before ${join.name}`,
    });
  }
}

/**
 * A step reached from several branches of a split merges them: only a join may do that. The alternatives of a switch
 * may meet anywhere, since only one of them runs.
 */
export const checkMergesAreJoins: Rule = (ctx) => {
  if (!ctx.graph) return [];
  const graph = ctx.graph;
  const problems: Problem[] = [];
  for (const node of graph.nodes.values()) {
    // The end step is left to the balance check, which names the split that was not joined.
    if (node.inFuncs.length < 2 || node.type === 'join' || node.type === 'end' || node.name === graph.start) continue;
    const branches = new Set(node.inFuncs.map((p) => graph.nodes.get(p)!.splitBranches.join(',')));
    if (branches.size === 1 && node.inFuncs.some((p) => reachedThroughSwitch(graph, p))) continue;
    problems.push({
      where: ctx.stepWhere(node.name),
      field: 'join',
      value: node.inFuncs,
      message: `step ${node.name} has ${node.inFuncs.length} incoming transitions (${node.inFuncs.join(', ')}) but is not a join step`,
      fix: `make ${node.name} a join step (${ctx.spell.join(node.name)}), or point all but one of ${listNames(node.inFuncs)} elsewhere`,
    });
  }
  return problems;
};

/** Whether a switch lies on some path from the entry step to `name` (or `name` is one). */
function reachedThroughSwitch(graph: FlowGraph, name: string): boolean {
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const node = graph.nodes.get(current)!;
    if (node.type === 'split-switch') return true;
    queue.push(...node.inFuncs);
  }
  return false;
}

/** Metaflow's `check_empty_foreaches`, and the same for a parallel split. */
export const checkEmptyForeaches: Rule = (ctx) => {
  if (!ctx.graph) return [];
  const problems: Problem[] = [];
  for (const node of ctx.graph.nodes.values()) {
    if (node.type !== 'foreach') continue;
    const child = ctx.graph.nodes.get(node.outFuncs[0]);
    if (child?.type !== 'join') continue;
    problems.push({
      where: ctx.stepWhere(node.name),
      field: 'next',
      value: node.outFuncs,
      message: `foreach step ${node.name} is followed immediately by the join ${child.name}; at least one step must sit in between`,
      fix: `add a step between ${node.name} and ${child.name} that processes one item`,
    });
  }
  return problems;
};

/**
 * Metaflow's `check_parallel_step_after_next`, `check_join_followed_by_parallel_step` and
 * `check_parallel_foreach_calls_parallel_step`.
 */
export const checkParallel: Rule = (ctx) => {
  if (!ctx.graph) return [];
  const problems: Problem[] = [];
  for (const node of ctx.graph.nodes.values()) {
    const step = ctx.step(node.name)!;
    if (node.type === 'split-parallel') {
      const target = ctx.step(node.outFuncs[0]);
      if (target && target.parallel !== true) {
        problems.push({
          where: ctx.stepWhere(target.name),
          field: 'parallel',
          value: target.parallel ?? false,
          message: `${node.name} starts ${target.name} with numParallel = ${step.numParallel}, but ${target.name} is not a parallel step`,
          fix: `mark ${target.name} with ${ctx.spell.parallel}`,
        });
      }
    }
    if (step.parallel !== true) continue;
    const child = ctx.graph.nodes.get(node.outFuncs[0] ?? '');
    if (node.outFuncs.length !== 1 || child?.type !== 'join') {
      problems.push({
        where: ctx.stepWhere(node.name),
        field: 'next',
        value: node.outFuncs,
        message: `parallel step ${node.name} must be followed by a join step`,
        fix: `set the next of ${node.name} to a single join step (${ctx.spell.join('join')})`,
      });
    }
    const parents = node.inFuncs.filter((p) => ctx.graph!.nodes.get(p)!.type !== 'split-parallel');
    if (parents.length > 0) {
      problems.push({
        where: ctx.stepWhere(node.name),
        field: 'parallel',
        value: true,
        message: `parallel step ${node.name} is reached from ${listNames(parents)} without numParallel`,
        fix: `start ${node.name} from ${listNames(parents)} with ${ctx.spell.numParallel(node.name)}, or remove ${ctx.spell.parallel} from ${node.name}`,
      });
    }
  }
  return problems;
};
