import {
  METAFLOW_DEFAULT_CPU,
  METAFLOW_DEFAULT_MEMORY_MIB,
  METAFLOW_DEFAULT_TIMEOUT_SECONDS,
  StepSettings,
  StepSpec,
} from './model';

/** Metaflow's own defaults for a step that neither the flow nor the step sets: 1 vCPU, 4,096 MiB, a 5-day timeout. */
export const METAFLOW_STEP_DEFAULTS: StepSettings = {
  cpu: METAFLOW_DEFAULT_CPU,
  memory: METAFLOW_DEFAULT_MEMORY_MIB,
  timeoutSeconds: METAFLOW_DEFAULT_TIMEOUT_SECONDS,
};

function mergeRecords(
  base: Readonly<Record<string, string>> | undefined,
  over: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  if (base === undefined) return over;
  if (over === undefined) return base;
  return { ...base, ...over };
}

function mergeLists(base: readonly string[] | undefined, over: readonly string[] | undefined): readonly string[] | undefined {
  if (base === undefined) return over;
  if (over === undefined) return base;
  return [...new Set([...base, ...over])];
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Settings of one step: `over` wins field by field over `base`, except `environment` and `awsBatchTags`
 * (merged key by key, `over` winning) and `secrets` (union), so a step adds to what the flow gives every step.
 */
export function mergeSettings<T extends StepSettings>(base: StepSettings | undefined, over: T): T {
  if (base === undefined) return withoutUndefined(over);
  return withoutUndefined({
    ...base,
    ...withoutUndefined(over),
    environment: mergeRecords(base.environment, over.environment),
    awsBatchTags: mergeRecords(base.awsBatchTags, over.awsBatchTags),
    secrets: mergeLists(base.secrets, over.secrets),
  });
}

/** A step as it runs: Metaflow's defaults, then the flow's `defaults`, then the step's own settings. */
export function effectiveStep(defaults: StepSettings | undefined, step: StepSpec): StepSpec {
  return mergeSettings(mergeSettings(METAFLOW_STEP_DEFAULTS, defaults ?? {}), step);
}
