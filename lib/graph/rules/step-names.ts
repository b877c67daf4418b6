import { Problem } from '../../errors';
import { findTerminals } from '../analyze';
import { Rule, listNames } from './context';

/** Metaflow's `check_reserved_words`: attributes of a running step that a step name would shadow. */
export const RESERVED_STEP_NAMES: ReadonlySet<string> = new Set(['name', 'next', 'input', 'index', 'cmd']);
/** Metaflow's `check_step_names`. */
export const STEP_NAME_PATTERN = /^(?!_)[a-z0-9_]+$/;
/** Step Functions state names and Batch job names must stay within limits once prefixed; 64 leaves room. */
export const MAX_STEP_NAME_LENGTH = 64;

export const checkStepNames: Rule = (ctx) => {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  ctx.doc.steps.forEach((step, index) => {
    const where = ctx.stepWhere(step.name);
    if (!STEP_NAME_PATTERN.test(step.name)) {
      problems.push({
        where,
        field: 'name',
        value: step.name,
        message: `step ${step.name} has an invalid name. Only lowercase ascii characters, underscores, and digits are allowed, and it may not start with an underscore`,
        fix: `rename it, e.g. "${suggestStepName(step.name)}"`,
      });
    } else if (step.name.length > MAX_STEP_NAME_LENGTH) {
      problems.push({
        where,
        field: 'name',
        value: step.name,
        message: `the step name is ${step.name.length} characters long; at most ${MAX_STEP_NAME_LENGTH} fit into state and job names`,
        fix: `shorten it to ${MAX_STEP_NAME_LENGTH} characters or fewer`,
      });
    }
    if (RESERVED_STEP_NAMES.has(step.name)) {
      problems.push({
        where,
        field: 'name',
        value: step.name,
        message: `step name ${step.name} is a reserved word (${[...RESERVED_STEP_NAMES].join(', ')})`,
        fix: `rename the step, e.g. "${step.name}_step"`,
      });
    }
    const first = seen.get(step.name);
    if (first !== undefined) {
      problems.push({
        where: `${ctx.flowWhere} steps[${index}]`,
        field: 'name',
        value: step.name,
        message: `step ${step.name} is declared twice (steps[${first}] and steps[${index}])`,
        fix: 'give every step a unique name',
      });
    } else {
      seen.set(step.name, index);
    }
  });
  return problems;
};

export function suggestStepName(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+/, '');
  return snake.length > 0 ? snake.slice(0, MAX_STEP_NAME_LENGTH) : 'step';
}

/** Metaflow's `check_basic_steps` and `check_annotation_name_conflict`. */
export const checkTerminalSteps: Rule = (ctx) => {
  const problems: Problem[] = [];
  const terminals = findTerminals(ctx.doc);
  for (const flag of ['start', 'end'] as const) {
    const annotated = ctx.doc.steps.filter((s) => s[flag] === true).map((s) => s.name);
    if (terminals[flag] === undefined) {
      problems.push({
        where: ctx.flowWhere,
        field: 'steps',
        value: ctx.doc.steps.map((s) => s.name),
        message: `the flow has no ${flag} step`,
        fix: `add a step named "${flag}" (or mark one step with ${ctx.spell.flag(flag)})`,
      });
    }
    if (annotated.length > 1) {
      problems.push({
        where: ctx.flowWhere,
        field: `steps[].${flag}`,
        value: annotated,
        message: `more than one step is marked as the ${flag} step: ${listNames(annotated)}`,
        fix: `mark exactly one step with ${ctx.spell.flag(flag)}`,
      });
    }
    if (annotated.length >= 1 && !annotated.includes(flag) && ctx.step(flag) !== undefined) {
      problems.push({
        where: ctx.stepWhere(annotated[0]),
        field: flag,
        value: true,
        message: `step ${annotated[0]} is marked as the ${flag} step, but another step is named "${flag}": the ${flag} step is ambiguous`,
        fix: `rename the step called "${flag}" or remove ${ctx.spell.flag(flag)} from ${annotated[0]}`,
      });
    }
  }
  return problems;
};
