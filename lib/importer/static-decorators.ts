import type { ImportPythonFlowOptions } from './python';
import { readFlowFile } from './python';
import { resolveFlowClass } from './flow-class';
import type { Problem } from '../errors';
import { ValidationError } from '../errors';

/**
 * Names of the decorators written on each step of a flow file (`@step` excluded), e.g. `{ gpu_step: ['batch'] }`.
 * Metaflow's `step-functions create` passes `--with batch:...` only to steps without a static `@batch`; the Metaflow
 * step command reads this to do the same (`metaflowStepCommand(..., { staticBatchSteps })`).
 */
export function staticStepDecorators(file: string, options: ImportPythonFlowOptions = {}): Record<string, string[]> {
  const raw = readFlowFile(file, options.python);
  const problems: Problem[] = [];
  const resolved = raw.syntaxError ? undefined : resolveFlowClass(raw, file, options.flowClass, problems);
  if (!resolved) {
    throw new ValidationError(problems.length > 0 ? problems : [{ where: `${file}:${raw.syntaxError?.line ?? 0}`, field: 'syntax', value: raw.syntaxError?.text, message: 'Python syntax error', fix: 'fix the syntax' }]);
  }
  return Object.fromEntries(resolved.steps.map((step) => [step.name, step.decorators.map((d) => d.name)]));
}

/** Steps of the flow file with a static `@batch`. */
export function staticBatchSteps(file: string, options: ImportPythonFlowOptions = {}): string[] {
  return Object.entries(staticStepDecorators(file, options)).filter(([, names]) => names.includes('batch')).map(([step]) => step);
}
