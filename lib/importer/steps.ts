import type { Problem } from '../errors';
import type { SecretAccess, StepSpec, SwitchSpec } from '../graph/model';
import { NON_LITERAL_FIX, whereOf, type Site } from './decorator-args';
import { isLiteral, type RawStep, type RawTransition } from './reader-output';
import { readStepDecorators } from './step-decorators';

const TRANSITION_FORMS = 'self.next(self.a) (linear), self.next(self.a, self.b) (split), self.next(self.a, foreach="items") or self.next(self.a, num_parallel=4)';

/** Whether `@step(start=True)` / `@step(end=True)` marks the step, Metaflow's alternative to the names start/end. */
export function stepFlag(raw: RawStep, flag: 'start' | 'end'): boolean {
  const value = raw.step.kwargs[flag];
  return value !== undefined && isLiteral(value) && value.value === true;
}

/** `@secrets` sources read through a role or in another region, by step (problems are reported by `readStep`). */
export function secretAccessByStep(rawSteps: readonly RawStep[], file: string): Record<string, Record<string, SecretAccess>> {
  const byStep: Record<string, Record<string, SecretAccess>> = {};
  for (const raw of rawSteps) {
    const { secretAccess } = readStepDecorators(raw.decorators, { file, step: raw.name }, []);
    if (Object.keys(secretAccess).length > 0) byStep[raw.name] = { ...secretAccess };
  }
  return byStep;
}

/**
 * Maps one `@step` method onto a step: transitions from its last statement (as Metaflow's `DAGNode._parse`),
 * join-ness from its argument count, settings from its decorators.
 */
export function readStep(raw: RawStep, isEnd: boolean, file: string, problems: Problem[], extensions: ReadonlySet<string> = new Set()): StepSpec {
  const site: Site = { file, step: raw.name };
  for (const [key, value] of Object.entries(raw.step.kwargs)) {
    if ((key === 'start' || key === 'end') && isLiteral(value) && typeof value.value === 'boolean') continue;
    problems.push({
      where: whereOf(site, raw.step.line), field: `@step(${key}=...)`, value: isLiteral(value) ? value.value : value.nonLiteral,
      message: key === 'start' || key === 'end' ? 'must be True or False' : `@step has no argument "${key}"`,
      fix: 'write @step, @step(start=True) or @step(end=True)',
    });
  }
  if (raw.numArgs === 0 || raw.numArgs > 2) {
    problems.push({
      where: whereOf(site, raw.line), field: 'arguments', value: raw.numArgs,
      message: raw.numArgs === 0 ? 'a step method needs self' : 'a step takes self, or self and inputs for a join',
      fix: 'write def step(self) or, for a join, def step(self, inputs)',
    });
  }
  const { settings: read, parallel } = readStepDecorators(raw.decorators, site, problems, extensions);
  const transition = readTransition(raw, isEnd, site, problems);
  // Metaflow's catch_decorator refuses both in every task. Reported here in Python's words; the step keeps no catch, so
  // the flow's own rules do not report it again.
  const catchRefused = read.catch === undefined ? undefined : transition.foreach !== undefined ? 'foreach' : transition.switch !== undefined ? 'switch' : undefined;
  const { catch: _refused, ...withoutCatch } = read;
  const settings = catchRefused ? withoutCatch : read;
  if (catchRefused === 'foreach') {
    problems.push({
      where: whereOf(site, raw.line), field: '@catch', value: 'foreach', message: 'Metaflow does not allow @catch on a foreach step',
      fix: 'move the work that may fail into the first step inside the foreach and put @catch there',
    });
  } else if (catchRefused === 'switch') {
    problems.push({
      where: whereOf(site, raw.line), field: '@catch', value: 'switch', message: 'Metaflow does not allow @catch on a switch step (it could not record the condition the switch reads)',
      fix: 'move the work that may fail into a step before the switch and put @catch there',
    });
  }
  return {
    name: raw.name,
    ...transition,
    ...(parallel ? { parallel: true } : {}),
    ...(raw.numArgs >= 2 ? { join: true } : {}),
    ...(stepFlag(raw, 'start') ? { start: true } : {}),
    ...(stepFlag(raw, 'end') ? { end: true } : {}),
    ...(raw.doc ? { doc: raw.doc } : {}),
    source: { file, line: raw.line },
    ...settings,
  };
}

interface Transition {
  next: string[];
  foreach?: string;
  numParallel?: number;
  switch?: SwitchSpec;
}

function readTransition(raw: RawStep, isEnd: boolean, site: Site, problems: Problem[]): Transition {
  const next = raw.next;
  if (next !== null && isEnd) {
    // Reported here too, as Metaflow's `check_that_end_is_end` does first: the other steps' missing self.next() follow from it.
    problems.push({
      where: whereOf(site, next.line), field: 'self.next()', value: next.targets,
      message: 'the end step must not call self.next()', fix: `remove self.next(...) from "${raw.name}", or make the last step of the flow the end step`,
    });
  }
  if (next === null) {
    if (!isEnd) {
      problems.push({
        where: whereOf(site, raw.line), field: 'self.next()', value: undefined,
        message: 'the last statement of a step other than the end step must be self.next(...)',
        fix: `end the step with one of ${TRANSITION_FORMS}`,
      });
    }
    return { next: [] };
  }
  const where = whereOf(site, next.line);
  const invalid = (message: string, value: unknown = undefined): Transition => {
    problems.push({ where, field: 'self.next()', value, message, fix: `write ${TRANSITION_FORMS}` });
    return { next: [...next.targets] };
  };
  if (next.switch || 'condition' in next.kwargs) return switchTransition(next, where, problems) ?? invalid(next.invalid ?? 'a switch needs a dict of cases and condition=', 'condition');
  if (next.invalid) return invalid(next.invalid);
  if (next.targets.length === 0) return invalid('self.next() names no step');
  const keys = Object.keys(next.kwargs);
  if (keys.length === 0) return { next: [...next.targets] };
  if (keys.length > 1 || next.targets.length > 1) return invalid(`keywords ${keys.join(', ')} need exactly one target step and one keyword`, keys);
  return keywordTransition(next, keys[0], where, problems, raw.literalAssignments) ?? invalid(`unknown keyword ${keys[0]}=`, keys[0]);
}

/** `self.next({"a": self.x, "b": self.y}, condition="name")`: Metaflow's split-switch. */
function switchTransition(next: RawTransition, where: string, problems: Problem[]): Transition | undefined {
  const keys = Object.keys(next.kwargs);
  const condition = next.kwargs.condition;
  if (!next.switch || next.invalid || keys.length !== 1 || condition === undefined) return undefined;
  if (!isLiteral(condition) || typeof condition.value !== 'string' || condition.value === '') {
    problems.push({
      where, field: 'self.next(condition=...)', value: isLiteral(condition) ? condition.value : condition.nonLiteral,
      message: 'must name the artifact that picks the case, as a string', fix: 'write condition="mode" where the step sets self.mode',
    });
    return { next: [...next.targets] };
  }
  return { next: [...next.targets], switch: { condition: condition.value, cases: Object.fromEntries(next.cases ?? []) } };
}

function keywordTransition(next: RawTransition, key: string, where: string, problems: Problem[], assigned?: RawStep['literalAssignments']): Transition | undefined {
  const raw = next.kwargs[key];
  const field = `self.next(${key}=...)`;
  if (key !== 'foreach' && key !== 'num_parallel') return undefined;
  if (!isLiteral(raw)) {
    problems.push({ where, field, value: raw.nonLiteral, message: 'is not a literal value', fix: NON_LITERAL_FIX });
    return { next: [...next.targets] };
  }
  if (key === 'foreach') {
    if (typeof raw.value === 'string' && raw.value !== '') {
      problems.push(...foreachLiteralProblems(assigned?.[raw.value], raw.value, where));
      return { next: [...next.targets], foreach: raw.value };
    }
    problems.push({ where, field, value: raw.value, message: 'must name the list artifact as a string', fix: 'write foreach="items" where self.items is a list' });
    return { next: [...next.targets] };
  }
  if (typeof raw.value === 'number' && Number.isInteger(raw.value) && raw.value >= 1) return { next: [...next.targets], numParallel: raw.value };
  problems.push({ where, field, value: raw.value, message: 'must be a whole number of nodes, at least 1', fix: 'write num_parallel=4' });
  return { next: [...next.targets] };
}

/** `minutes_between_retries` written in the file (a number above 0), by step. */
export function writtenRetryDelays(steps: readonly RawStep[]): Record<string, number> {
  const delays: Record<string, number> = {};
  for (const step of steps) {
    const written = step.decorators.find((d) => d.name === 'retry')?.kwargs.minutes_between_retries;
    const minutes = written !== undefined && isLiteral(written) ? Number(written.value) : NaN;
    if (minutes > 0) delays[step.name] = minutes;
  }
  return delays;
}

/**
 * A foreach over an artifact the step sets to a literal: Metaflow iterates a list item by item and a string character by
 * character (Metaflow's own suite does), and fails the run on a number, None or an empty sequence ("produced zero
 * splits"), so only a non-empty list or string is kept.
 */
function foreachLiteralProblems(assignment: { value: unknown; line: number } | undefined, name: string, where: string): Problem[] {
  if (assignment === undefined) return [];
  const { value } = assignment;
  if ((Array.isArray(value) || typeof value === 'string') && value.length > 0) return [];
  const message = Array.isArray(value) || typeof value === 'string'
    ? `foreach="${name}" iterates self.${name}, which the step sets to an empty ${Array.isArray(value) ? 'list' : 'string'}: Metaflow fails the run ("Foreach iterator over ... produced zero splits")`
    : `foreach="${name}" iterates self.${name}, which the step sets to ${JSON.stringify(value)}, not a list`;
  return [{ where, field: 'self.next(foreach=...)', value, message, fix: `set self.${name} to a non-empty list (line ${assignment.line}), e.g. self.${name} = ["a"]` }];
}
