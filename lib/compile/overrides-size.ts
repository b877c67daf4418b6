import type { Problem } from '../errors';
import { everyState, type AslState, type AslStates } from './asl';
import { BATCH_MAX_OVERRIDES_CHARS } from './options';
import { stepWhere } from './routing';

interface ContainerOverrides {
  readonly Command?: unknown;
  readonly Environment?: unknown;
  readonly ResourceRequirements?: unknown;
}

/**
 * Batch refuses a SubmitJob whose container overrides pass 8,192 characters, a failure Metaflow's own compiler meets
 * only at run time. Each Batch Task's overrides (and each node range's) are measured as compiled; values that CDK
 * resolves at deploy time (bucket names, ARNs) count as their placeholders, so a step near the bound is named too.
 */
export function overridesSizeProblems(flow: string, states: AslStates, stepOf: (state: AslState, name: string) => string): Problem[] {
  const problems: Problem[] = [];
  for (const [name, state] of everyState(states)) {
    const parameters = state.Parameters as { ContainerOverrides?: ContainerOverrides; NodeOverrides?: { NodePropertyOverrides?: Array<{ ContainerOverrides?: ContainerOverrides }> } } | undefined;
    if (state.Type !== 'Task' || parameters === undefined) continue;
    const overrides = [parameters.ContainerOverrides, ...(parameters.NodeOverrides?.NodePropertyOverrides ?? []).map((n) => n.ContainerOverrides)];
    for (const override of overrides) {
      const size = override === undefined ? 0 : JSON.stringify(override).length;
      if (size <= BATCH_MAX_OVERRIDES_CHARS) continue;
      problems.push({
        where: stepWhere(flow, stepOf(state, name)),
        field: 'ContainerOverrides',
        value: size,
        message: `the job's command and environment come to ${size} characters; Batch refuses container overrides over ${BATCH_MAX_OVERRIDES_CHARS}`,
        fix: 'move long @environment values into the image or a file of the code package, or shorten the step\'s decorators',
      });
    }
  }
  return problems;
}
