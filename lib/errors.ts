/**
 * One problem found in user input: where it is, what is wrong, and how to fix it.
 * `where` names the construct path, flow step or flow field (e.g. `flow "train" step "fit"`).
 */
export interface Problem {
  readonly where: string;
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
  readonly fix: string;
}

function renderValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}

export function formatProblem(problem: Problem): string {
  return `${problem.where}: ${problem.field} = ${renderValue(problem.value)}: ${problem.message}. Fix: ${problem.fix}`;
}

/**
 * The one error type of metaflow-cdk. It carries every problem found in one pass, so a user fixes them all at once.
 * The CLI prints `problems` one per line and exits 1 instead of showing a stack trace.
 */
export class ValidationError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const lines = problems.map(formatProblem);
    super(problems.length === 1 ? lines[0] : `${problems.length} problems:\n  - ${lines.join('\n  - ')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Collects problems and throws them together. */
export class ProblemCollector {
  private readonly found: Problem[] = [];

  add(problem: Problem): void {
    this.found.push(problem);
  }

  addAll(problems: Iterable<Problem>): void {
    for (const problem of problems) this.found.push(problem);
  }

  get problems(): readonly Problem[] {
    return this.found;
  }

  throwIfAny(): void {
    if (this.found.length > 0) throw new ValidationError(this.found);
  }
}

export function isValidationError(error: unknown): error is ValidationError {
  return error instanceof ValidationError || (error instanceof Error && error.name === 'ValidationError' && 'problems' in error);
}
