import { Problem } from '../../errors';
import { FOREACH_LIKE_TYPES, nodeTypeOf, findTerminals } from '../analyze';
import { StepSettings, StepSpec } from '../model';
import { METAFLOW_STEP_DEFAULTS, effectiveStep, mergeSettings } from '../settings';
import { PYTHON_IDENTIFIER, integerIn } from './checks';
import { Rule } from './context';
import { PlatformStep, fargateOnlyFields, fargateProblems } from './platform';
import { MIN_METAFLOW_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS, memoryFitProblems, settingsProblems } from './resources';

/** Nodes of one Batch multi-node parallel job at most. */
export const MAX_PARALLEL_NODES = 1000;

/** Fargate problems a step's own settings make knowable: fields that exist only on Fargate next to ones it lacks. */
function impliedPlatformProblems(step: PlatformStep, where: string): Problem[] {
  const fargateOnly = fargateOnlyFields(step);
  if (fargateOnly.length === 0) return [];
  return fargateProblems(step, where, `${fargateOnly.join(' and ')} ${fargateOnly.length > 1 ? 'make' : 'makes'} it a Fargate job`);
}

/** Platform problems differ by their reason only when defaults and step both cause them: compare field and value. */
const key = (p: Problem) => `${p.field}|${JSON.stringify(p.value)}`;

/** Resource, retry, timeout and platform rules on the flow `defaults` and on every step. */
export const checkStepSettings: Rule = (ctx) => {
  const defaultsWhere = `${ctx.flowWhere} defaults`;
  const defaults: StepSettings = ctx.doc.defaults ?? {};
  const minTimeout = ctx.doc.runtime?.kind === 'metaflow' ? MIN_METAFLOW_TIMEOUT_SECONDS : MIN_TIMEOUT_SECONDS;
  const fromDefaults = [
    ...settingsProblems(defaults, defaultsWhere, minTimeout),
    ...impliedPlatformProblems(mergeSettings(METAFLOW_STEP_DEFAULTS, defaults), defaultsWhere),
  ];
  const known = new Set(fromDefaults.map(key));
  const { start, end } = findTerminals(ctx.doc);
  const problems = [...fromDefaults];
  for (const step of ctx.doc.steps) {
    const where = ctx.stepWhere(step.name);
    const own = [...settingsProblems(step, where, minTimeout), ...stepProblems(step, where, step.name === start, step.name === end)];
    // A problem that only the defaults cause is reported once, on the defaults.
    const effective = effectiveStep(ctx.doc.defaults, step);
    const merged = impliedPlatformProblems(effective, where).filter((p) => !known.has(key(p)));
    problems.push(...own, ...merged.filter((p) => !own.some((o) => key(o) === key(p))), ...memoryFitProblems(effective, where));
  }
  return problems;
};

function stepProblems(step: StepSpec, where: string, isStart: boolean, isEnd: boolean): Problem[] {
  const problems: Problem[] = [];
  if (step.foreach !== undefined && !PYTHON_IDENTIFIER.test(step.foreach)) {
    problems.push({
      where,
      field: 'foreach',
      value: step.foreach,
      message: 'the foreach variable names an artifact (a list) and must be an identifier',
      fix: 'use letters, digits and "_", not starting with a digit',
    });
  }
  // AWS Batch's limit on the nodes of one multi-node parallel job
  const parallel = integerIn({ where, field: 'numParallel' }, step.numParallel, 1, MAX_PARALLEL_NODES);
  if (parallel) problems.push(parallel);
  if (step.catch !== undefined && FOREACH_LIKE_TYPES.has(nodeTypeOf(step, isStart, isEnd))) {
    problems.push({
      where,
      field: 'catch',
      value: step.catch,
      message: 'catch is not allowed on a foreach or num_parallel split step (Metaflow refuses it)',
      fix: 'move the code that may fail into the body of the foreach and put catch there',
    });
  }
  return problems;
}
