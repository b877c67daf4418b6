import * as path from 'path';

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

/** An unresolved CDK token as it appears in a string: `${Token[Bucket.Name.123]}`. */
const TOKEN = /\$\{Token\[[^\]]*\]\}/g;

/**
 * Describes one token string (the constructs layer names the construct it comes from); pure logic knows no CDK, so
 * by default a token reads as a value known at deploy.
 */
let describeToken: (token: string) => string = () => '<a value known only at deploy>';

export function setTokenDescriber(describer: (token: string) => string): void {
  describeToken = describer;
}

/** `text` with every unresolved token replaced by what it stands for, so no message shows `${Token[...]}`. */
export function withoutTokens(text: string): string {
  return text.replace(TOKEN, (token) => describeToken(token));
}

function renderValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON would write NaN and Infinity as null
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}

export function formatProblem(problem: Problem): string {
  return withoutTokens(`${problem.where}: ${problem.field} = ${renderValue(problem.value)}: ${problem.message}. Fix: ${problem.fix}`);
}

/**
 * The one error type of metaflow-cdk. It carries every problem found in one pass, so a user fixes them all at once.
 * The CLI prints `problems` one per line and exits 1 instead of showing a stack trace.
 */
export class ValidationError extends Error {
  declare readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const clean = problems.map(untokenized);
    const lines = clean.map(formatProblem);
    super(clean.length === 1 ? lines[0] : `${clean.length} problems:\n  - ${lines.join('\n  - ')}`);
    this.name = 'ValidationError';
    // not enumerable: Node prints an uncaught error's enumerable properties after its stack
    Object.defineProperty(this, 'problems', { value: clean, enumerable: false });
    if (!process.env.METAFLOW_CDK_DEBUG) this.stack = inputErrorStack(this);
  }
}

/** Frames of this library (its `lib/` and `constructs/` folders, compiled or not), of dependencies and of Node. */
const LIBRARY_DIRS = ['lib', 'constructs'].map((folder) => path.join(path.dirname(__dirname), folder) + path.sep);
const isLibraryFrame = (frame: string): boolean => LIBRARY_DIRS.some((dir) => frame.includes(dir)) || /\bnode_modules\b|\(node:|at node:/.test(frame);

/**
 * A ValidationError is about input, not a bug in the library: uncaught (e.g. in `cdk synth`), it shows its message and
 * the line of the user's code that made the construct, not the library's frames. METAFLOW_CDK_DEBUG keeps them all.
 */
function inputErrorStack(error: Error): string {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const caller = frames.find((frame) => !isLibraryFrame(frame));
  return `${error.name}: ${error.message}${caller ? `\n${caller}` : ''}`;
}

function untokenized(problem: Problem): Problem {
  const value = typeof problem.value === 'string' ? withoutTokens(problem.value) : problem.value;
  return { where: withoutTokens(problem.where), field: withoutTokens(problem.field), value, message: withoutTokens(problem.message), fix: withoutTokens(problem.fix) };
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
