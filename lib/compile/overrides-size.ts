import type { Problem } from '../errors';
import { runDefaultsOf } from '../graph/parameter-values';
import type { ParameterSpec } from '../graph/model';
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

/**
 * Every job of a run carries its parameters as one JSON text in its container overrides (`MF_PARAMETERS`, Metaflow's
 * `METAFLOW_PARAMETERS`). Defaults whose text alone passes Batch's bound fail every run that does not override them
 * (a schedule, an S3 trigger, a trigger without `--param`), so they are refused at synth.
 */
export function defaultsOverridesProblems(flow: string, parameters: readonly ParameterSpec[]): Problem[] {
  const defaults = runDefaultsOf(parameters);
  const size = JSON.stringify(JSON.stringify(defaults)).length;
  if (size <= BATCH_MAX_OVERRIDES_CHARS) return [];
  const largest = Object.entries(defaults).sort(([, a], [, b]) => JSON.stringify(b).length - JSON.stringify(a).length)[0][0];
  return [
    {
      where: `flow "${flow}"`,
      field: 'parameters',
      value: `${size} characters`,
      message: `the parameters' defaults come to ${size} characters in each job's container overrides, and Batch fails a job whose overrides pass ${BATCH_MAX_OVERRIDES_CHARS} without running it`,
      fix: `shorten the largest default (parameter "${largest}"), e.g. make it an S3 path the steps read`,
    },
  ];
}
