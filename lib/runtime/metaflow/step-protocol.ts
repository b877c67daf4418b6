import { ValidationError } from '../../errors';
import type { FlowGraph, GraphNode } from '../../graph/analyze';
import { DEFAULT_METAFLOW_VERSION, type MetaflowDeployment } from './deployment';
import { pythonJsonDumps } from './python-format';

/**
 * The per-step facts of Metaflow's Step Functions protocol (`metaflow-sfn-protocol.md` §2.4-2.5), derived from the
 * analysed graph: the Batch job `Parameters` that carry run id and foreach parents between states, the input paths
 * on the `step` command line, and the step-specific environment variables with their JSONPaths.
 */
export interface StepProtocol {
  /** Batch job parameters; keys ending in `.$` are JSONPaths Step Functions resolves. */
  readonly attrs: Record<string, string>;
  /** `--input-paths` (shell-expanded in the container). */
  readonly inputPaths: string;
  /** Step-specific variables in Metaflow's emission order; values starting with `$.`/`$$.` are JSONPaths. */
  readonly env: Array<[string, string]>;
  /** The first step inside a foreach: it passes `--split-index`. */
  readonly takesSplitIndex: boolean;
  /** A foreach join: it reads its parents' task ids from DynamoDB before `step`. */
  readonly isForeachJoin: boolean;
  /** Metaflow's `--max-user-code-retries` and Batch `RetryStrategy.Attempts`. */
  readonly maxUserCodeRetries: number;
  readonly attempts: number;
}

/** Retries Metaflow grants `@catch` for its fallback (`NUM_FALLBACK_RETRIES`). */
export const CATCH_FALLBACK_RETRIES = 3;

const node = (graph: FlowGraph, name: string): GraphNode => {
  const found = graph.nodes.get(name);
  if (!found) {
    throw new ValidationError([{ where: `flow "${graph.document.name}"`, field: 'step', value: name, message: 'is not a step of the flow', fix: `use one of: ${[...graph.nodes.keys()].join(', ')}` }]);
  }
  return found;
};

/** The split a join closes (its innermost split parent). */
export function closedSplitOf(graph: FlowGraph, join: GraphNode): GraphNode | undefined {
  const name = join.splitParents[join.splitParents.length - 1];
  return name === undefined ? undefined : graph.nodes.get(name);
}

export function isForeachJoin(graph: FlowGraph, n: GraphNode): boolean {
  return n.type === 'join' && closedSplitOf(graph, n)?.type === 'foreach';
}

/** The join of a static split: its input is the Parallel state's array, one entry per branch. */
export function isSplitJoin(graph: FlowGraph, n: GraphNode): boolean {
  return n.type === 'join' && closedSplitOf(graph, n)?.type === 'split';
}

/** A switch that may choose itself again (Metaflow's recursive step). */
export function isRecursiveSwitch(n: GraphNode): boolean {
  return n.type === 'split-switch' && n.outFuncs.includes(n.name);
}

/**
 * A step whose parent step is known only at run time: where the alternatives of a switch meet, and a recursive switch
 * (its parent is the step before the loop, then itself). It reads the parent's step name from its input.
 */
export function hasRunTimeParent(n: GraphNode): boolean {
  return n.type !== 'join' && (n.inFuncs.length > 1 || isRecursiveSwitch(n));
}

/** The foreach that `n` is the unbounded body of (`@unbounded_test_foreach_internal`, `unbounded-foreach.ts`), if any. */
export function unboundedForeachOf(graph: FlowGraph, n: GraphNode): GraphNode | undefined {
  const runtime = graph.document.runtime;
  if (runtime?.kind !== 'metaflow' || !(runtime.unboundedForeachSteps ?? []).includes(n.name)) return undefined;
  const parent = graph.nodes.get(n.inFuncs[0] ?? '');
  return n.inFuncs.length === 1 && parent?.type === 'foreach' ? parent : undefined;
}

/** Whether `foreach` fans out to an unbounded body: one control task instead of a Map or array jobs. */
export function isUnboundedForeach(graph: FlowGraph, foreach: GraphNode): boolean {
  const body = graph.nodes.get(foreach.outFuncs[0] ?? '');
  return foreach.type === 'foreach' && body !== undefined && unboundedForeachOf(graph, body) !== undefined;
}

/** `(user code retries, attempts)` as Metaflow's `_get_retries`: `@retry` times, `@catch` adds 3 fallback attempts. */
export function retriesOf(n: GraphNode): { maxUserCodeRetries: number; attempts: number } {
  const user = n.step.retry?.times ?? 0;
  const fallback = n.step.catch ? CATCH_FALLBACK_RETRIES : 0;
  return { maxUserCodeRetries: user, attempts: user + fallback + 1 };
}

/** Parameter defaults Metaflow ships to the start step, sorted by name as Metaflow lists parameters. */
export function defaultParametersJson(graph: FlowGraph): string | undefined {
  const parameters = graph.document.parameters ?? [];
  if (parameters.length === 0) return undefined;
  const defaults = Object.fromEntries(
    [...parameters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).filter((p) => p.default !== undefined && p.default !== null).map((p) => [p.name, p.default]),
  );
  return pythonJsonDumps(defaults);
}

export interface StepProtocolOptions {
  /** JSONPath of the stringified parameters in the execution input. @default `$.Parameters` (Metaflow's input shape) */
  readonly parametersPath?: string;
  /**
   * Replaces the value (literal or JSONPath) of protocol variables the step gets, keeping Metaflow's order, for
   * state shapes beyond Metaflow's (e.g. an array-job foreach, where `METAFLOW_SPLIT_INDEX` is computed in the task).
   * A variable the step does not get is appended. @default none
   */
  readonly envOverrides?: Readonly<Record<string, string>>;
  /** Replaces `--input-paths` (and `METAFLOW_INPUT_PATHS`) of a non-start step, e.g. a join after a multi-node step. @default Metaflow's */
  readonly inputPaths?: string;
}

export function stepProtocol(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, options: StepProtocolOptions = {}): StepProtocol {
  const n = node(graph, stepName);
  const typeOf = (name: string) => node(graph, name).type;
  const attrs: Record<string, string> = {
    'metaflow.user': 'SFN',
    'metaflow.owner': deployment.owner,
    'metaflow.flow_name': graph.document.name,
    'metaflow.step_name': n.name,
    'metaflow.version': deployment.metaflowVersion ?? DEFAULT_METAFLOW_VERSION,
    step_name: n.name,
  };
  const env: Array<[string, string]> = [];
  const set = (name: string, value: string) => {
    const at = env.findIndex(([k]) => k === name);
    if (at >= 0) env[at] = [name, value];
    else env.push([name, value]);
  };
  // @environment first, then the S3 endpoint again: the order of Metaflow's `env` dict.
  for (const [k, v] of Object.entries(n.step.environment ?? {})) set(k, v);
  if (deployment.s3EndpointUrl !== undefined) set('METAFLOW_S3_ENDPOINT_URL', deployment.s3EndpointUrl);

  let inputPaths: string;
  const foreachJoin = isForeachJoin(graph, n);
  const unboundedControl = unboundedForeachOf(graph, n) !== undefined;
  if (n.name === graph.start) {
    attrs['metaflow.production_token'] = deployment.productionToken;
    attrs['metaflow.run_id.$'] = '$$.Execution.Name';
    const defaults = defaultParametersJson(graph);
    if (defaults !== undefined) {
      set('METAFLOW_PARAMETERS', options.parametersPath ?? '$.Parameters');
      set('METAFLOW_DEFAULT_PARAMETERS', defaults);
    }
    inputPaths = 'sfn-${METAFLOW_RUN_ID}/_parameters/${AWS_BATCH_JOB_ID}-params';
  } else {
    if (foreachJoin) {
      inputPaths = `sfn-\${METAFLOW_RUN_ID}/${n.inFuncs[0]}/:\${METAFLOW_PARENT_TASK_IDS}`;
      set('METAFLOW_SPLIT_PARENT_TASK_ID', `$.Parameters.split_parent_task_id_${n.splitParents[n.splitParents.length - 1]}`);
      attrs['metaflow.run_id.$'] = "$.Parameters.['metaflow.run_id']";
    } else if (isSplitJoin(graph, n)) {
      // One input per branch of the split; a branch holding a switch ends in whichever step its switch chose.
      const branches = closedSplitOf(graph, n)!.outFuncs;
      inputPaths = 'sfn-${METAFLOW_RUN_ID}:' + branches.map((_, i) => `/\${METAFLOW_PARENT_${i}_STEP}/\${METAFLOW_PARENT_${i}_TASK_ID}`).join(',');
      attrs['metaflow.run_id.$'] = "$.[0].Parameters.['metaflow.run_id']";
      branches.forEach((_, i) => {
        set(`METAFLOW_PARENT_${i}_TASK_ID`, `$.[${i}].JobId`);
        set(`METAFLOW_PARENT_${i}_STEP`, `$.[${i}].Parameters.step_name`);
      });
    } else if (hasRunTimeParent(n)) {
      inputPaths = 'sfn-${METAFLOW_RUN_ID}/${METAFLOW_PARENT_STEP}/${METAFLOW_PARENT_TASK_ID}';
      set('METAFLOW_PARENT_TASK_ID', '$.JobId');
      set('METAFLOW_PARENT_STEP', '$.Parameters.step_name');
      attrs['metaflow.run_id.$'] = "$.Parameters.['metaflow.run_id']";
    } else {
      inputPaths = `sfn-\${METAFLOW_RUN_ID}/${n.inFuncs[0]}/\${METAFLOW_PARENT_TASK_ID}`;
      set('METAFLOW_PARENT_TASK_ID', '$.JobId');
      attrs['metaflow.run_id.$'] = "$.Parameters.['metaflow.run_id']";
    }
    if (options.inputPaths !== undefined) inputPaths = options.inputPaths;
    set('METAFLOW_INPUT_PATHS', inputPaths);

    if (n.isInsideForeach) {
      const foreachParents = (names: readonly string[]) => names.filter((p) => typeOf(p) === 'foreach');
      const innermost = n.splitParents[n.splitParents.length - 1];
      if (n.inFuncs.some((p) => typeOf(p) === 'foreach')) {
        // An unbounded foreach's control task follows its split directly, not from a Map iteration.
        attrs[`split_parent_task_id_${innermost}.$`] = unboundedControl ? '$.JobId' : '$.SplitParentTaskId';
        for (const p of foreachParents(n.splitParents.slice(0, -1))) attrs[`split_parent_task_id_${p}.$`] = `$.Parameters.split_parent_task_id_${p}`;
      } else if (n.type === 'join' && closedSplitOf(graph, n)?.type !== 'split-parallel') {
        if (foreachJoin) {
          attrs[`split_parent_task_id_${innermost}.$`] = `$.Parameters.split_parent_task_id_${innermost}`;
          for (const p of foreachParents(n.splitParents.slice(0, -1))) attrs[`split_parent_task_id_${p}.$`] = `$.Parameters.split_parent_task_id_${p}`;
        } else {
          for (const p of foreachParents(n.splitParents)) attrs[`split_parent_task_id_${p}.$`] = `$.[0].Parameters.split_parent_task_id_${p}`;
        }
      } else {
        for (const p of foreachParents(n.splitParents)) attrs[`split_parent_task_id_${p}.$`] = `$.Parameters.split_parent_task_id_${p}`;
      }
      const nextForeachJoin = n.outFuncs.find((o) => isForeachJoin(graph, node(graph, o)));
      if (nextForeachJoin !== undefined) {
        const joined = node(graph, nextForeachJoin);
        set('METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN', attrs[`split_parent_task_id_${joined.splitParents[joined.splitParents.length - 1]}.$`]);
      }
      // Metaflow's quirk: only a foreach nested in a foreach gets the workflow timeout for its DynamoDB TTL.
      if (n.type === 'foreach' && deployment.workflowTimeoutSeconds !== undefined) set('METAFLOW_SFN_WORKFLOW_TIMEOUT', String(deployment.workflowTimeoutSeconds));
    }
    if (n.inFuncs.some((p) => typeOf(p) === 'foreach') && !unboundedControl) set('METAFLOW_SPLIT_INDEX', '$.Index');
  }
  for (const [name, value] of Object.entries(options.envOverrides ?? {})) set(name, value);
  return {
    attrs,
    inputPaths,
    env,
    takesSplitIndex: n.name !== graph.start && n.inFuncs.some((p) => typeOf(p) === 'foreach') && !unboundedControl,
    isForeachJoin: foreachJoin,
    ...retriesOf(n),
  };
}

/**
 * Whether the step gets `METAFLOW_SFN_DYNAMO_DB_TABLE`: as in Metaflow, foreach steps, last steps of foreach bodies and
 * foreach joins, not the split, control task and join of an unbounded foreach, which coordinate through the datastore;
 * beyond Metaflow, switch steps, which write the step they chose there (`switch-step.ts`).
 */
export function needsDynamoDbTable(graph: FlowGraph, stepName: string): boolean {
  const n = node(graph, stepName);
  const coordinatedJoin = (join: GraphNode) => isForeachJoin(graph, join) && !isUnboundedForeach(graph, closedSplitOf(graph, join)!);
  return (
    n.type === 'split-switch' ||
    (n.type === 'foreach' && !isUnboundedForeach(graph, n)) ||
    (n.isInsideForeach && n.outFuncs.some((o) => coordinatedJoin(node(graph, o)))) ||
    coordinatedJoin(n)
  );
}
