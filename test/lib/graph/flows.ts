import { Problem } from '../../../lib/errors';
import { validateFlow } from '../../../lib/graph';
import { FlowDocument, StepSpec } from '../../../lib/graph/model';

/** Test helpers: small flow documents and assertions on the problems `validateFlow` finds. */
export function step(name: string, next: string[] = [], extra: Partial<StepSpec> = {}): StepSpec {
  return { name, next, ...extra };
}

/** start -> work -> end, with the given changes to the document and to `work`. */
export function linearFlow(changes: Partial<FlowDocument> = {}, work: Partial<StepSpec> = {}): FlowDocument {
  return { version: 1, name: 'TestFlow', steps: [step('start', ['work']), step('work', ['end'], work), step('end')], ...changes };
}

export function flow(steps: StepSpec[], changes: Partial<FlowDocument> = {}): FlowDocument {
  return { version: 1, name: 'TestFlow', steps, ...changes };
}

export interface Expected {
  readonly where?: string | RegExp;
  readonly field: string;
  readonly value?: unknown;
  readonly message?: RegExp;
}

function matches(problem: Problem, expected: Expected): boolean {
  if (problem.field !== expected.field) return false;
  if (expected.where instanceof RegExp ? !expected.where.test(problem.where) : expected.where !== undefined && problem.where !== expected.where) return false;
  if ('value' in expected && JSON.stringify(problem.value) !== JSON.stringify(expected.value)) return false;
  return expected.message === undefined || expected.message.test(problem.message);
}

/** Asserts that validateFlow reports the expected problem (with a non-empty fix) and returns every problem. */
export function expectProblem(doc: FlowDocument, expected: Expected): Problem[] {
  const problems = validateFlow(doc);
  const found = problems.find((p) => matches(p, expected));
  if (!found) throw new Error(`expected a problem ${JSON.stringify(expected, (_, v) => (v instanceof RegExp ? String(v) : v))}, got:\n${JSON.stringify(problems, null, 2)}`);
  expect(found.fix.length).toBeGreaterThan(0);
  return problems;
}

export function expectValid(doc: FlowDocument): void {
  expect(validateFlow(doc)).toEqual([]);
}
