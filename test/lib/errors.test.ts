import { inspect } from 'util';
import { formatProblem, isValidationError, ProblemCollector, ValidationError } from '../../lib/errors';

const problem = { where: 'flow "F" step "b"', field: 'next', value: ['a'], message: 'step b loops back to a', fix: 'end the loop at a join' };

function makeFlowWithALoop(): never {
  const collector = new ProblemCollector();
  collector.add(problem);
  collector.throwIfAny();
  throw new Error('unreachable');
}

function thrown(make: () => unknown): ValidationError {
  try {
    make();
  } catch (error) {
    if (isValidationError(error)) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('ValidationError, uncaught', () => {
  const debug = process.env.METAFLOW_CDK_DEBUG;
  afterEach(() => {
    if (debug === undefined) delete process.env.METAFLOW_CDK_DEBUG;
    else process.env.METAFLOW_CDK_DEBUG = debug;
  });

  test("prints as Node prints an uncaught error: the message and the caller's line, no library frames, no problems dump", () => {
    delete process.env.METAFLOW_CDK_DEBUG;
    const error = thrown(makeFlowWithALoop);
    const printed = inspect(error);
    expect(printed.split('\n')[0]).toBe('ValidationError: flow "F" step "b": next = ["a"]: step b loops back to a. Fix: end the loop at a join');
    expect(printed).toMatch(/^ {4}at makeFlowWithALoop \(.*errors\.test\.ts:\d+:\d+\)$/m);
    expect(printed.split('\n')).toHaveLength(2);
    expect(printed).not.toContain('ProblemCollector');
    expect(printed).not.toContain('problems:');
    expect(error.problems).toEqual([problem]);
  });

  test('METAFLOW_CDK_DEBUG keeps every frame', () => {
    process.env.METAFLOW_CDK_DEBUG = '1';
    const printed = inspect(thrown(makeFlowWithALoop));
    expect(printed).toContain('ProblemCollector.throwIfAny');
    expect(printed).toContain('makeFlowWithALoop');
  });

  test('several problems keep their list in the message', () => {
    delete process.env.METAFLOW_CDK_DEBUG;
    const error = new ValidationError([problem, { ...problem, where: 'flow "F" step "c"' }]);
    expect(error.stack?.split('\n').slice(0, 3)).toEqual([
      'ValidationError: 2 problems:',
      '  - flow "F" step "b": next = ["a"]: step b loops back to a. Fix: end the loop at a join',
      '  - flow "F" step "c": next = ["a"]: step b loops back to a. Fix: end the loop at a join',
    ]);
  });
});

describe('formatProblem', () => {
  test('a value that is not set, NaN and Infinity read as what they are, not undefined or null', () => {
    const at = { where: 'flow "F" step "a"', message: 'is wrong', fix: 'fix it' };
    expect(formatProblem({ ...at, field: '--param req (string)', value: undefined })).toBe('flow "F" step "a": --param req (string) = (not set): is wrong. Fix: fix it');
    expect(formatProblem({ ...at, field: 'memory', value: NaN })).toBe('flow "F" step "a": memory = NaN: is wrong. Fix: fix it');
    expect(formatProblem({ ...at, field: 'timeoutSeconds', value: -Infinity })).toBe('flow "F" step "a": timeoutSeconds = -Infinity: is wrong. Fix: fix it');
  });
});
