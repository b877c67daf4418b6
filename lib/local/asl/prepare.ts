import { everyState, type AslStates } from '../../compile/asl';
import type { Json } from '../template/tokens';

/** A JSONPath state, loosely typed: the engine only reads the fields it rewrites. */
export type AslState = { [key: string]: Json };
export interface AslDefinition {
  StartAt: string;
  States: { [name: string]: AslState };
  [key: string]: Json;
}

/** Resource of the Task that replaces each Distributed Map (run by the engine's own map runner). */
export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';
/** Context key that carries the execution input into inline Map iterations (the interpreter replaces `$$.Execution.Input` there). */
export const LOCAL_EXECUTION_INPUT_KEY = 'LocalExecutionInput';
/**
 * The interpreter times a Task out after 60 s unless it says otherwise; Step Functions does not.
 * The largest timeout Node's timers keep (2^31-1 ms) stands in for "none".
 */
export const NO_TASK_TIMEOUT_SECONDS = 2147483;

/** A Distributed Map turned into a Task: what the map runner needs besides the resolved Task input. */
export interface DistributedMapPlan {
  readonly stateName: string;
  readonly processor: AslDefinition;
  readonly itemSelector?: Json;
  readonly itemReader?: { readonly Resource: string; readonly ReaderConfig?: { [key: string]: Json } };
  readonly itemBatcher?: { [key: string]: Json };
  readonly resultWriter?: { readonly Resource?: string };
  readonly maxConcurrency?: number;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
}

export interface PreparedDefinition {
  readonly definition: AslDefinition;
  /** Every Task state name (at any depth) with its resource. */
  readonly tasks: ReadonlyMap<string, string>;
  readonly distributedMaps: ReadonlyMap<string, DistributedMapPlan>;
}

function rewriteExecutionInput(value: Json): Json {
  if (typeof value === 'string') return value.replace(/\$\$\.Execution\.Input/g, `$$$$.${LOCAL_EXECUTION_INPUT_KEY}`);
  if (Array.isArray(value)) return value.map(rewriteExecutionInput);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewriteExecutionInput(v);
    return out;
  }
  return value;
}

function isDistributed(state: AslState): boolean {
  const processor = (state.ItemProcessor ?? state.Iterator) as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED' || state.ItemReader !== undefined);
}

/**
 * Makes a compiled definition runnable by `aws-local-stepfunctions` without changing what it does:
 * `$$.Execution.Input` is read from a context key that survives into Map iterations, Tasks without a timeout get none,
 * and each Distributed Map becomes a Task that the engine's map runner executes.
 */
export function prepareDefinition(source: { [key: string]: Json }): PreparedDefinition {
  const tasks = new Map<string, string>();
  const distributedMaps = new Map<string, DistributedMapPlan>();
  const conflicts: string[] = [];

  const visit = (machine: AslDefinition): AslDefinition => {
    const states: { [name: string]: AslState } = {};
    for (const [name, original] of Object.entries(machine.States)) {
      let state: AslState = { ...original };
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
      }
      if (state.Type === 'Map') {
        const key = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
        const processor = visit(state[key] as unknown as AslDefinition);
        if (isDistributed(state)) {
          state = distributedMapTask(name, state, processor, distributedMaps);
        } else {
          state[key] = processor as unknown as Json;
        }
      }
      if (state.Type === 'Parallel') {
        state.Branches = (state.Branches as unknown as AslDefinition[]).map(visit) as unknown as Json;
      }
      if (state.Type === 'Task') {
        const resource = String(state.Resource);
        const seen = tasks.get(name);
        if (seen !== undefined && seen !== resource) conflicts.push(name);
        tasks.set(name, resource);
      }
      states[name] = state;
    }
    return { ...machine, States: states };
  };

  const definition = visit(rewriteExecutionInput(source) as unknown as AslDefinition);
  if (conflicts.length) {
    throw new Error(`Task state names ${conflicts.join(', ')} are used twice with different resources; the local engine routes tasks by name`);
  }
  return { definition, tasks, distributedMaps };
}

const MAP_ONLY_FIELDS = [
  'ItemProcessor', 'Iterator', 'ItemReader', 'ItemSelector', 'ItemBatcher', 'ResultWriter', 'ItemsPath', 'MaxConcurrency',
  'MaxConcurrencyPath', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount',
  'ToleratedFailureCountPath', 'Label', 'Parameters',
];

function distributedMapTask(
  name: string,
  state: AslState,
  processor: AslDefinition,
  plans: Map<string, DistributedMapPlan>,
): AslState {
  const reader = state.ItemReader as { Resource: string; ReaderConfig?: { [key: string]: Json }; Parameters?: Json } | undefined;
  const batcher = state.ItemBatcher as { [key: string]: Json } | undefined;
  const writer = state.ResultWriter as { Resource?: string; Parameters?: Json } | undefined;
  // The Task's Parameters let the interpreter resolve every path the map needs against the Map's effective input.
  const parameters: { [key: string]: Json } = { 'Input.$': '$' };
  if (reader) parameters.Reader = reader.Parameters ?? {};
  else parameters['Items.$'] = typeof state.ItemsPath === 'string' ? state.ItemsPath : '$';
  if (writer?.Parameters) parameters.Writer = writer.Parameters;
  if (batcher?.BatchInput) parameters.BatchInput = batcher.BatchInput;
  if (typeof state.MaxConcurrencyPath === 'string') parameters['MaxConcurrency.$'] = state.MaxConcurrencyPath;
  if (typeof state.ToleratedFailurePercentagePath === 'string') {
    parameters['ToleratedFailurePercentage.$'] = state.ToleratedFailurePercentagePath;
  }
  if (typeof state.ToleratedFailureCountPath === 'string') parameters['ToleratedFailureCount.$'] = state.ToleratedFailureCountPath;
  plans.set(name, {
    stateName: name,
    processor,
    itemSelector: state.ItemSelector ?? state.Parameters,
    itemReader: reader ? { Resource: reader.Resource, ReaderConfig: reader.ReaderConfig } : undefined,
    itemBatcher: batcher,
    resultWriter: writer,
    maxConcurrency: typeof state.MaxConcurrency === 'number' ? state.MaxConcurrency : undefined,
    toleratedFailurePercentage: typeof state.ToleratedFailurePercentage === 'number' ? state.ToleratedFailurePercentage : undefined,
    toleratedFailureCount: typeof state.ToleratedFailureCount === 'number' ? state.ToleratedFailureCount : undefined,
  });
  const task: AslState = { ...state, Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE, Parameters: parameters };
  for (const field of MAP_ONLY_FIELDS) if (field !== 'Parameters') delete task[field];
  task.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
  return task;
}

/** Milliseconds for every Wait state with a fixed `Seconds` (at any depth), scaled; the interpreter's wait overrides. */
export function scaledWaits(definition: AslDefinition, scale: number): Record<string, number> {
  const waits: Record<string, number> = {};
  for (const [name, state] of everyState(definition.States as unknown as AslStates)) {
    if (state.Type === 'Wait' && typeof state.Seconds === 'number') waits[name] = Math.round(state.Seconds * 1000 * scale);
  }
  return waits;
}
