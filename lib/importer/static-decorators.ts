import type { ImportPythonFlowOptions } from './python';
import { readFlowFile } from './python';
import { resolveFlowClass } from './flow-class';
import type { Problem } from '../errors';
import { ValidationError } from '../errors';
import type { RawStep } from './reader-output';
import { writtenRetryDelays } from './steps';

/**
 * Names of the decorators written on each step of a flow file (`@step` excluded), e.g. `{ gpu_step: ['batch'] }`.
 * Metaflow's `step-functions create` passes `--with batch:...` only to steps without a static `@batch`; the Metaflow
 * step command reads this to do the same (`metaflowStepCommand(..., { staticBatchSteps })`).
 */
export function staticStepDecorators(file: string, options: ImportPythonFlowOptions = {}): Record<string, string[]> {
  return Object.fromEntries(resolvedSteps(file, options).map((step) => [step.name, step.decorators.map((d) => d.name)]));
}

function resolvedSteps(file: string, options: ImportPythonFlowOptions): readonly RawStep[] {
  const raw = readFlowFile(file, options.python);
  const problems: Problem[] = [];
  const resolved = raw.syntaxError ? undefined : resolveFlowClass(raw, file, options.flowClass, problems);
  if (!resolved) {
    throw new ValidationError(problems.length > 0 ? problems : [{ where: `${file}:${raw.syntaxError?.line ?? 0}`, field: 'syntax', value: raw.syntaxError?.text, message: 'Python syntax error', fix: 'fix the syntax' }]);
  }
  return resolved.steps;
}

/** Steps of the flow file with a static `@batch`. */
export function staticBatchSteps(file: string, options: ImportPythonFlowOptions = {}): string[] {
  return Object.entries(staticStepDecorators(file, options)).filter(([, names]) => names.includes('batch')).map(([step]) => step);
}

/**
 * Steps whose `@retry` writes `minutes_between_retries` with a literal number above 0, with that number. The flow
 * document records Metaflow's default (2) for a bare `@retry`, as Metaflow's graph does; only a delay written in the
 * file makes the state machine wait between retries, so a bare `@retry` keeps Metaflow's Batch retries unchanged.
 */
export function explicitRetryDelays(file: string, options: ImportPythonFlowOptions = {}): Record<string, number> {
  return writtenRetryDelays(resolvedSteps(file, options));
}


