import { Problem } from '../../errors';
import { findTerminals } from '../analyze';
import { Rule, listNames } from './context';

const TRANSITION_FORMS =
  'a linear step has one next step; a branch has two or more; a foreach or num_parallel split has exactly one';

/**
 * Metaflow's `check_static_transitions`, `check_valid_transitions`, `check_unknown_transitions`,
 * `check_start_end_degree`, `check_that_end_is_end` and `check_num_args`.
 */
export const checkTransitions: Rule = (ctx) => {
  const problems: Problem[] = [];
  const { start, end } = findTerminals(ctx.doc);
  for (const step of ctx.doc.steps) {
    const where = ctx.stepWhere(step.name);
    const isEnd = step.name === end;
    if (isEnd && step.next.length > 0) {
      problems.push({
        where,
        field: 'next',
        value: step.next,
        message: `the end step ${step.name} has outgoing transitions. An end step must have no outgoing transitions`,
        fix: `remove ${ctx.spell.next(step.next[0])} from the end step, or move the steps after it before it`,
      });
    }
    if (isEnd && step.join === true) {
      problems.push({
        where,
        field: 'join',
        value: true,
        message: `the end step ${step.name} must not be a join step`,
        fix: 'add a join step before the end step',
      });
    }
    if (!isEnd && step.next.length === 0) {
      problems.push({
        where,
        field: 'next',
        value: step.next,
        message: `step ${step.name} has no transition to a next step`,
        fix: `add ${ctx.spell.next('<step>')}, or make it the end step (name it "end")`,
      });
    }
    const splitKinds = [step.foreach !== undefined && 'foreach', step.numParallel !== undefined && 'numParallel'].filter(
      (k): k is string => typeof k === 'string',
    );
    if (splitKinds.length === 2) {
      problems.push({
        where,
        field: 'foreach',
        value: { foreach: step.foreach, numParallel: step.numParallel },
        message: `step ${step.name} sets both foreach and numParallel`,
        fix: 'keep one of them: foreach iterates over an artifact, numParallel starts a multi-node parallel step',
      });
    }
    if (splitKinds.length > 0 && step.next.length !== 1 && !isEnd) {
      problems.push({
        where,
        field: 'next',
        value: step.next,
        message: `step ${step.name} is a ${splitKinds[0]} split with ${step.next.length} next steps (${TRANSITION_FORMS})`,
        fix: `give ${splitKinds[0]} exactly one next step: the first step of its body`,
      });
    }
    if (step.join === true && !isEnd && (step.next.length >= 2 || splitKinds.length > 0)) {
      problems.push({
        where,
        field: 'join',
        value: true,
        message: `step ${step.name} is both a join step and a split step. This is not allowed`,
        fix: 'add a new step so that the join and the split become separate steps',
      });
    }
    const duplicates = step.next.filter((n, i) => step.next.indexOf(n) !== i);
    if (duplicates.length > 0) {
      problems.push({
        where,
        field: 'next',
        value: step.next,
        message: `step ${step.name} names ${listNames([...new Set(duplicates)])} more than once in next`,
        fix: 'list each next step once',
      });
    }
    for (const target of new Set(step.next)) {
      if (ctx.step(target) === undefined) {
        problems.push({
          where,
          field: 'next',
          value: target,
          message: `step ${step.name} specifies a transition to an unknown step, ${target}`,
          fix: `use one of the steps ${listNames(ctx.doc.steps.map((s) => s.name))}, or add a step named "${target}"`,
        });
      }
      if (target === start) {
        problems.push({
          where,
          field: 'next',
          value: target,
          message: `step ${step.name} transitions to the start step ${start}. The start step must have no incoming transitions`,
          fix: `point ${step.name} at another step`,
        });
      }
    }
  }
  return problems;
};

/** Metaflow's `check_for_acyclicity`: every loop, named by its path (`b->a->b`). */
export const checkAcyclic: Rule = (ctx) => {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    path.push(name);
    const step = ctx.step(name);
    for (const child of step?.next ?? []) {
      // A switch may go back to itself (Metaflow's recursive step); no other loop is allowed.
      if (ctx.step(child) === undefined || (child === name && step?.switch !== undefined)) continue;
      if (state.get(child) === 'active') {
        const loop = [...path.slice(path.indexOf(child)), child];
        const key = [...loop.slice(0, -1)].sort().join(',');
        if (reported.has(key)) continue;
        reported.add(key);
        const last = loop[loop.length - 2];
        problems.push({
          where: ctx.stepWhere(last),
          field: 'next',
          value: ctx.step(last)!.next,
          message: `there is a loop in your flow: ${loop.join('->')}`,
          fix: `break the loop by changing the next of ${last} (or of another step on the loop)`,
        });
      } else if (!state.has(child)) {
        visit(child);
      }
    }
    path.pop();
    state.set(name, 'done');
  };
  for (const step of ctx.doc.steps) if (!state.has(step.name)) visit(step.name);
  return problems;
};

/**
 * Metaflow's `check_switch_splits` and `check_ambiguous_joins`, and what a switch needs here: a Metaflow flow (the
 * chosen step comes from Metaflow's task), cases that lead to exactly the steps of `next`, and no foreach or
 * numParallel on the same step.
 */
export const checkSwitches: Rule = (ctx) => {
  const problems: Problem[] = [];
  for (const step of ctx.doc.steps) {
    if (step.switch === undefined) continue;
    const where = ctx.stepWhere(step.name);
    const targets = new Set(Object.values(step.switch.cases));
    if (ctx.doc.runtime?.kind !== 'metaflow') {
      problems.push({
        where, field: 'switch', value: step.switch.condition,
        message: `step ${step.name} is a switch, which only a Metaflow flow can run: the chosen step comes from Metaflow's task`,
        fix: `import the flow from its Python file, or replace the switch with a branch (${ctx.spell.next('<step>')} for each) and a join`,
      });
    }
    if (targets.size < 2) {
      problems.push({
        where, field: 'switch.cases', value: step.switch.cases,
        message: `step ${step.name} is a switch split but leads to ${targets.size} step(s); a switch needs at least 2`,
        fix: `add a case that leads to another step, or replace the switch with ${ctx.spell.next('<step>')}`,
      });
    }
    const next = new Set(step.next);
    if ([...targets].some((t) => !next.has(t)) || [...next].some((n) => !targets.has(n))) {
      problems.push({
        where, field: 'switch.cases', value: step.switch.cases,
        message: `the cases of switch ${step.name} lead to ${listNames([...targets])}, but its next is ${listNames(step.next)}`,
        fix: 'list in next exactly the steps the cases lead to',
      });
    }
    if (step.foreach !== undefined || step.numParallel !== undefined) {
      problems.push({
        where, field: 'switch', value: step.switch.condition,
        message: `step ${step.name} is a switch and also a ${step.foreach !== undefined ? 'foreach' : 'numParallel'} split; Metaflow does not allow that`,
        fix: 'add a step so that the switch and the other step become separate steps',
      });
    }
    for (const target of targets) {
      if (ctx.step(target)?.join !== true) continue;
      problems.push({
        where, field: 'switch.cases', value: target,
        message: `a conditional path cannot lead directly to a join step: switch ${step.name} leads to the join ${target}`,
        fix: `add an intermediate, unconditional step between ${step.name} and ${target}`,
      });
    }
  }
  return problems;
};

/** Metaflow's `check_for_orphans`. */
export const checkReachable: Rule = (ctx) => {
  if (!ctx.graph) return [];
  const reachable = new Set(ctx.graph.sortedNames);
  return ctx.doc.steps
    .filter((s, i) => !reachable.has(s.name) && ctx.doc.steps.findIndex((o) => o.name === s.name) === i)
    .map((s) => ({
      where: ctx.stepWhere(s.name),
      field: 'name',
      value: s.name,
      message: `step ${s.name} is unreachable from the entry step ${ctx.graph!.start}`,
      fix: `add ${s.name} to the next of another step, or remove ${s.name}`,
    }));
};
