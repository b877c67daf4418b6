import { everyState, type AslDefinition } from './asl';
import { hashOf, type JobDefinitionSpec } from './job-definitions';

/**
 * Metaflow's `step-functions create` sends every step's whole command and environment in `ContainerOverrides` (4.9 to
 * 5.2 KB per step here, against Batch's 8,192 characters), with a placeholder job definition. Here the definition of a
 * Metaflow flow is built that way (so it is compared with Metaflow's, state by state), then every single-node Batch
 * Task's static part moves into a job definition of its own: the command, the literal environment and the resources,
 * all of which are fixed per deployment. The overrides keep only the values Step Functions resolves per run or task
 * (`Value.$`: run id, parent task ids, split index, parameters), well under 2 KiB. The job still runs Metaflow's
 * unchanged command, now from the job definition; Batch merges the override variables into the definition's.
 *
 * Job definitions are immutable and retained (`FlowJobDefinitions`), so a deploy that changes a step's command (a new
 * code package) adds a definition and an execution in flight keeps the one it started with. Multi-node (`@parallel`)
 * steps keep their per-node-range overrides: one job definition holds one container for all its ranges.
 */

/** How the definition names a step's base job definition before the move: `<prefix><key of the plan's spec>`. */
export const BASE_JOB_DEFINITION_PREFIX = 'mfcdk-job-definition:';

/** The same, for the job definitions the move creates. */
export const METAFLOW_JOB_DEFINITION_PREFIX = 'mfcdk-metaflow-job-definition:';

type EnvEntry = { readonly Name: string; readonly Value?: string; readonly 'Value.$'?: string };
interface SubmitParameters {
  JobDefinition?: string;
  ContainerOverrides?: { Command?: string[]; Environment?: EnvEntry[]; ResourceRequirements?: Array<{ Type: string; Value: string }> };
  NodeOverrides?: unknown;
  Parameters?: Record<string, string>;
}

export interface StaticOverridesMoved {
  /** The definition whose Batch Tasks name `METAFLOW_JOB_DEFINITION_PREFIX<key>` (or their base, multi-node). */
  readonly definition: AslDefinition;
  /** Every job definition the definition names, by key: the moved ones and the multi-node bases. */
  readonly jobDefinitions: readonly JobDefinitionSpec[];
  /** The job definition of each step (its first Task's). */
  readonly stepJobDefinitions: ReadonlyMap<string, string>;
}

/** A step's spec with the command, literal environment and resources of its overrides. */
function withStaticOverrides(base: JobDefinitionSpec, overrides: NonNullable<SubmitParameters['ContainerOverrides']>): JobDefinitionSpec {
  const environment: Record<string, string> = { ...base.environment };
  // Batch keeps one value per name; Metaflow lists a few names twice with the same value.
  for (const entry of overrides.Environment ?? []) if (entry.Value !== undefined) environment[entry.Name] = entry.Value;
  const resource = (type: string) => overrides.ResourceRequirements?.find((r) => r.Type === type)?.Value;
  const { key: _key, ...rest } = base;
  const body = {
    ...rest,
    command: overrides.Command ?? base.command,
    environment: Object.fromEntries(Object.entries(environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    vcpus: Number(resource('VCPU') ?? base.vcpus),
    memoryMiB: Number(resource('MEMORY') ?? base.memoryMiB),
    gpus: Number(resource('GPU') ?? 0),
  };
  return { key: hashOf(body), ...body };
}

/** Moves the static part of each Metaflow Task's overrides into job definitions (see above). */
export function moveStaticOverrides(definition: AslDefinition, baseSpecs: readonly JobDefinitionSpec[]): StaticOverridesMoved {
  const bases = new Map(baseSpecs.map((spec) => [spec.key, spec]));
  const out = JSON.parse(JSON.stringify(definition)) as AslDefinition;
  const specs = new Map<string, JobDefinitionSpec>();
  const stepJobDefinitions = new Map<string, string>();
  for (const [, state] of everyState(out.States)) {
    const parameters = state.Parameters as SubmitParameters | undefined;
    const ref = parameters?.JobDefinition;
    if (state.Type !== 'Task' || typeof ref !== 'string' || !ref.startsWith(BASE_JOB_DEFINITION_PREFIX)) continue;
    const base = bases.get(ref.slice(BASE_JOB_DEFINITION_PREFIX.length));
    if (base === undefined) throw new Error(`moveStaticOverrides: no job definition spec ${ref}`);
    let spec = base;
    const overrides = parameters!.ContainerOverrides;
    if (parameters!.NodeOverrides === undefined && overrides !== undefined) {
      spec = withStaticOverrides(base, overrides);
      const dynamic = (overrides.Environment ?? []).filter((entry) => entry['Value.$'] !== undefined);
      if (dynamic.length > 0) parameters!.ContainerOverrides = { Environment: dynamic };
      else delete parameters!.ContainerOverrides;
    }
    specs.set(spec.key, spec);
    parameters!.JobDefinition = `${METAFLOW_JOB_DEFINITION_PREFIX}${spec.key}`;
    const step = parameters!.Parameters?.step_name;
    if (step !== undefined && !stepJobDefinitions.has(step)) stepJobDefinitions.set(step, spec.key);
  }
  return { definition: out, jobDefinitions: [...specs.values()], stepJobDefinitions };
}

/** Replaces each `METAFLOW_JOB_DEFINITION_PREFIX<key>` in the definition with `arnOf(key)` (a CDK token, or an ARN). */
export function bindJobDefinitions(definition: AslDefinition, arnOf: (key: string) => string): AslDefinition {
  const out = JSON.parse(JSON.stringify(definition)) as AslDefinition;
  for (const [, state] of everyState(out.States)) {
    const parameters = state.Parameters as SubmitParameters | undefined;
    if (state.Type === 'Task' && typeof parameters?.JobDefinition === 'string' && parameters.JobDefinition.startsWith(METAFLOW_JOB_DEFINITION_PREFIX)) {
      parameters.JobDefinition = arnOf(parameters.JobDefinition.slice(METAFLOW_JOB_DEFINITION_PREFIX.length));
    }
  }
  return out;
}
