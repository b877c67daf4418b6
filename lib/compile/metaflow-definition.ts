import type { FlowGraph, GraphNode } from '../graph/analyze';
import { DEFAULT_MAX_WORKERS } from '../graph/model';
import { encodeManifest } from '../runtime/manifest';
import { EXECUTION_INPUT, METAFLOW_INPUT_STATE } from '../runtime/naming';
import type { MetaflowDeployment } from '../runtime/metaflow/deployment';
import {
  METAFLOW_SUBMIT_RETRY,
  METAFLOW_TASK_RESULT_SELECTOR,
  metaflowCardinalityState,
  metaflowForeachMapState,
  metaflowForeachStateNames,
  metaflowParallelStateName,
} from '../runtime/metaflow/states';
import { metaflowSubmitJob } from '../runtime/metaflow/submit-job';
import { metaflowParallelProblems, metaflowParallelStepOptions, metaflowParallelSubmitJob, parallelSplitOf } from '../runtime/metaflow/parallel-step';
import { ValidationError, type Problem } from '../errors';
import { metaflowHostRetryCatch, metaflowHostRetryStates, metaflowHostRetryStrategy } from '../runtime/metaflow/host-retry';
import { METAFLOW_RETRY_DELAY_PRELUDE, metaflowRetryEnvelopeOf, metaflowRetryEnvelopeStates, narrowToJobId } from '../runtime/metaflow/retry-delay';
import { arrayForeachStepOptions, FOREACH_WIDTH_PATH, foreachTooWideCheckCommand } from '../runtime/metaflow/array-foreach';
import { CARDINALITY_PROJECTION, inlineForeachJoinOptions, JOIN_PARENTS_PATH, joinOrderState } from '../runtime/metaflow/inline-foreach-order';
import type { MetaflowStepCommandOptions } from '../runtime/metaflow/command';
import { isUnboundedForeach } from '../runtime/metaflow/step-protocol';
import { metaflowSwitchProblems, metaflowSwitchStateNames, metaflowSwitchStates, metaflowSwitchStepOptions } from '../runtime/metaflow/switch-step';
import { subMinuteTimeoutProblems } from '../runtime/metaflow/sub-minute-timeout';
import { metaflowUnboundedForeachDeploymentProblems, metaflowUnboundedForeachStepOptions } from '../runtime/metaflow/unbounded-foreach';
import { AslDefinition, AslStates, partitionArn } from './asl';
import { metaflowArrayBodies, metaflowArrayForeachStateNames, metaflowArrayForeachStates } from './metaflow-array-foreach';
import { INIT_STATES, initStates } from './init-states';
import { overridesSizeProblems } from './overrides-size';
import { DEFAULT_HOST_RETRIES } from './options';
import type { FlowPlan } from './plan';

/** ARNs and names a Metaflow definition points at; CDK tokens in the construct, plain strings in tests. */
export interface MetaflowDefinitionRefs {
  readonly partition: string;
  jobDefinitionArn(key: string): string;
  jobQueueArn(queueName: string): string;
  /** The foreach fan-out Lambda; needed when a foreach runs as array jobs. */
  readonly fanoutFunctionArn?: string;
}

export interface MetaflowDefinitionOptions {
  /** Steps with a static `@batch` in the flow file (they get no `--with batch:...`). @default none */
  readonly staticBatchSteps?: readonly string[];
  /**
   * Steps whose flow file writes `@retry(minutes_between_retries=M)` with M > 0, with M: the state machine retries
   * them and waits M minutes in between (`retry-delay.ts`). @default none (Metaflow's Batch retries, no delay)
   */
  readonly retryDelayMinutes?: Readonly<Record<string, number>>;
  /**
   * Refuse container overrides over Batch's 8,192 characters as built here. The construct checks after the static
   * part has moved to job definitions instead (`moveStaticOverrides`). @default true
   */
  readonly checkOverridesSize?: boolean;
}

export { METAFLOW_INPUT_STATE };

/**
 * Our execution input carries `Parameters` as an object (the CLI, schedules and triggers all start runs that way);
 * Metaflow's start step expects `$.Parameters` to be a JSON string, as `step-functions trigger` sends it.
 */
export const METAFLOW_PARAMETERS_PATH = '$.Parameters';

type Transition = { Next: string } | { End: true };

/** Name of the Pass state between a foreach's Map (first body step `child`) and its join. */
export function metaflowJoinInputStateName(child: string): string {
  return `*${child}.join`;
}

/**
 * What Metaflow's foreach join reads from its input (`$.Parameters['metaflow.run_id']`, the outer foreaches'
 * `split_parent_task_id_*`, and `split_parent_task_id_<foreach>` = the foreach's job id), rebuilt from the Map's input
 * (the foreach task's output) instead of taken from the first iteration's output as Metaflow does.
 */
export function metaflowJoinInputState(foreach: string, join: string, options: { withWidth?: boolean } = {}) {
  return {
    Type: 'Pass',
    Parameters: {
      'JobId.$': '$.JobId',
      'Parameters.$': `States.JsonMerge($.Parameters, States.StringToJson(States.Format('\\{"split_parent_task_id_${foreach}": "{}"\\}', $.JobId)), false)`,
      // An array-job foreach's join derives its parents from the width (a string, as Batch environments need).
      ...(options.withWidth === true ? { [`${FOREACH_WIDTH_PATH.slice(2)}.$`]: "States.Format('{}', $.fanout.width)" } : {}),
    },
    Next: join,
  } as const;
}

class MetaflowDefinitionBuilder {
  private readonly arrayBodies;

  constructor(
    private readonly plan: FlowPlan,
    private readonly refs: MetaflowDefinitionRefs,
    private readonly deployment: MetaflowDeployment,
    private readonly options: MetaflowDefinitionOptions,
  ) {
    this.arrayBodies = metaflowArrayBodies(plan);
  }

  private node(name: string): GraphNode {
    return this.plan.graph.nodes.get(name)!;
  }

  /**
   * Adds the states of `name` and every step after it up to (not including) `exit`, as Metaflow's `_visit`. A step
   * already placed is where a switch's alternatives meet, or the loop of a recursive switch.
   */
  visit(name: string, exit: string | undefined, states: AslStates): void {
    if (name in states) return;
    const node = this.node(name);
    const endsHere = node.type === 'end' || (exit !== undefined && node.outFuncs.includes(exit));
    switch (node.type) {
      case 'split': {
        const join = node.matchingJoin!;
        const parallel = metaflowParallelStateName(node.outFuncs);
        this.addTask(node, { Next: parallel }, states);
        states[parallel] = {
          Type: 'Parallel',
          Branches: node.outFuncs.map((child) => {
            const branch: AslStates = {};
            this.visit(child, join, branch);
            return { StartAt: child, States: branch };
          }),
          Next: join,
        };
        this.visit(join, exit, states);
        return;
      }
      case 'foreach': {
        const child = node.outFuncs[0];
        const join = node.matchingJoin!;
        if (isUnboundedForeach(this.plan.graph, node)) {
          // Beyond Metaflow: one control task runs the mappers (unbounded-foreach.ts), so no Map between split and join.
          this.addTask(node, { Next: child }, states);
          this.visit(child, exit, states);
          return;
        }
        const names = metaflowForeachStateNames(child);
        if (this.plan.foreachStrategies[node.name] === 'array-job') {
          this.addArrayForeach(node, states);
          this.visit(join, exit, states);
          return;
        }
        this.addTask(node, { Next: names.cardinality }, states);
        const cardinality = metaflowCardinalityState(this.deployment.dynamoDbTable!, names.map, this.refs.partition);
        // Beyond Metaflow's read: the item's `ttl` too, for the join-order item.
        states[names.cardinality] = { ...cardinality, Parameters: { ...cardinality.Parameters, ...CARDINALITY_PROJECTION } };
        const iteration: AslStates = {};
        this.visit(child, join, iteration);
        const maxWorkers = this.plan.graph.document.maxWorkers ?? DEFAULT_MAX_WORKERS;
        // An iteration returns only its last job id, so the Map result stays small at any width (Metaflow returns
        // each iteration's job parameters and keeps the first; 256 KiB then caps the foreach at a few hundred splits).
        // Where a switch in the body picks the last step, each result names its step too.
        const lastStepVaries = this.node(join).inFuncs.length > 1;
        for (const state of Object.values(iteration)) {
          if (state.End === true) narrowToJobId(state as Record<string, unknown>, { withStep: lastStepVaries });
        }
        const { OutputPath: _firstIteration, ...map } = metaflowForeachMapState(child, join, iteration, maxWorkers);
        const joinInput = metaflowJoinInputStateName(child);
        // Beyond Metaflow: the iterations' job ids, in the Map's item order, so that the join gets split order.
        states[names.map] = {
          ...map,
          Next: names.joinOrder,
          ResultPath: JOIN_PARENTS_PATH,
          Comment: `foreach "${node.name}" (${this.plan.foreachStrategies[node.name]}): Metaflow's DynamoDB cardinality and inline Map`,
        };
        states[names.joinOrder] = joinOrderState(this.deployment.dynamoDbTable!, joinInput, this.refs.partition);
        states[joinInput] = metaflowJoinInputState(node.name, join);
        this.visit(join, exit, states);
        return;
      }
      case 'split-switch': {
        // Beyond Metaflow: the chosen step comes back through the coordination table (switch-step.ts).
        const names = metaflowSwitchStateNames(node.name);
        this.addTask(node, { Next: names.read }, states);
        Object.assign(states, metaflowSwitchStates(node, this.deployment.dynamoDbTable!, this.refs.partition));
        for (const child of node.outFuncs) this.visit(child, exit, states);
        return;
      }
      default:
        this.addTask(node, endsHere ? { End: true } : { Next: node.outFuncs[0] }, states);
        if (!endsHere) this.visit(node.outFuncs[0], exit, states);
    }
  }

  /** Beyond Metaflow: a chain body as waves of Batch array jobs (`metaflow-array-foreach.ts`). */
  private addArrayForeach(node: GraphNode, states: AslStates): void {
    const names = metaflowArrayForeachStateNames(node.outFuncs[0]);
    const joinInput = metaflowJoinInputStateName(node.outFuncs[0]);
    if (this.refs.fanoutFunctionArn === undefined) throw new Error(`foreach "${node.name}" runs as array jobs: the definition needs the fan-out Lambda's ARN (refs.fanoutFunctionArn)`);
    this.addTask(node, { Next: names.fanout }, states);
    Object.assign(states, metaflowArrayForeachStates({
      plan: this.plan,
      foreach: node,
      partition: this.refs.partition,
      fanoutFunctionArn: this.refs.fanoutFunctionArn,
      next: joinInput,
      submit: (step, options) => this.submitJob(step, options),
    }));
    states[joinInput] = metaflowJoinInputState(node.name, node.matchingJoin!, { withWidth: true });
  }

  private submitJob(step: string, extra: MetaflowStepCommandOptions = {}) {
    return this.tagged(metaflowSubmitJob(this.plan.graph, step, this.deployment, this.jobRefs(step), this.commandOptions(extra)));
  }

  /** The flow's job tags on a SubmitJob: its role may stop only jobs that carry its owner tag. */
  private tagged<T extends object>(parameters: T): T {
    const tags = this.plan.options.jobTags;
    return tags && Object.keys(tags).length > 0 ? { ...parameters, Tags: { ...tags } } : parameters;
  }

  private jobRefs(step: string) {
    const stepPlan = this.plan.steps.get(step)!;
    return { jobDefinition: this.refs.jobDefinitionArn(stepPlan.jobDefinitionKey), jobQueue: this.refs.jobQueueArn(stepPlan.queueName) };
  }

  private commandOptions(extra: MetaflowStepCommandOptions): MetaflowStepCommandOptions {
    return { staticBatchSteps: this.options.staticBatchSteps, parametersPath: METAFLOW_PARAMETERS_PATH, ...extra };
  }

  private addTask(node: GraphNode, transition: Transition, states: AslStates): void {
    // Beyond Metaflow: a `@parallel` step is one multi-node job; its split and join adapt to it (parallel-step.ts).
    const multinode = parallelSplitOf(this.plan.graph, node) !== undefined;
    // Beyond Metaflow: a host failure (spot reclaim) gets a fresh job instead of spending a user attempt. Not for a
    // multi-node job: a fresh job means new task ids, and the control task counts every task of its step.
    const hostRetries = this.plan.options.hostRetries ?? DEFAULT_HOST_RETRIES;
    const spotAware = hostRetries > 0 && !multinode;
    const envelope = multinode ? undefined : metaflowRetryEnvelopeOf(this.plan.graph, node, this.options.retryDelayMinutes?.[node.name], hostRetries);
    const arrayOptions = {
      ...arrayForeachStepOptions(this.plan.graph, node.name, this.plan.foreachStrategies, this.arrayBodies),
      ...inlineForeachJoinOptions(this.plan.graph, node.name, this.plan.foreachStrategies),
    };
    const prelude = [...(arrayOptions.prelude ?? []), ...(envelope?.delaySeconds !== undefined ? METAFLOW_RETRY_DELAY_PRELUDE : [])];
    // Beyond Metaflow: a foreach task whose cardinality DynamoDB refused says why and what to do instead.
    const failureCheck = node.type === 'foreach' ? { failureCheck: foreachTooWideCheckCommand(this.plan.graph.document.name, node.name) } : {};
    const unbounded = metaflowUnboundedForeachStepOptions(this.plan.graph, node.name, this.deployment);
    const extra = {
      ...metaflowParallelStepOptions(this.plan.graph, node.name, this.deployment),
      ...metaflowSwitchStepOptions(this.plan.graph, node.name, this.deployment),
      ...(unbounded ?? arrayOptions),
      ...failureCheck,
      ...(prelude.length > 0 ? { prelude } : {}),
    };
    const parameters = multinode
      ? this.tagged(metaflowParallelSubmitJob(this.plan.graph, node.name, this.deployment, this.jobRefs(node.name), this.commandOptions(extra)))
      : this.submitJob(node.name, extra);
    const task = {
      Type: 'Task',
      Resource: partitionArn(this.refs.partition, 'batch:submitJob.sync'),
      Parameters: spotAware ? { ...parameters, RetryStrategy: metaflowHostRetryStrategy(parameters.RetryStrategy.Attempts) } : parameters,
      Retry: METAFLOW_SUBMIT_RETRY.map((r) => ({ ...r, ErrorEquals: [...r.ErrorEquals] })),
      // Metaflow's OutputPath selects several keys at once; a Batch result holds only these two of them.
      ResultSelector: { ...METAFLOW_TASK_RESULT_SELECTOR },
    };
    // A retry delay, or host retries on a split-and join's array input: the retry envelope (retry-delay.ts).
    if (envelope) {
      Object.assign(states, metaflowRetryEnvelopeStates(node.name, task, transition, envelope));
      return;
    }
    states[node.name] = { ...task, ...(spotAware ? { Catch: metaflowHostRetryCatch(node.name) } : {}), ...transition };
    if (spotAware) Object.assign(states, metaflowHostRetryStates(node.name, hostRetries));
  }
}

/**
 * A multi-node step retries inside Batch (its control task counts every task of the step, so the state machine cannot
 * resubmit it), and Batch cannot wait between attempts.
 */
function parallelRetryDelayProblems(graph: FlowGraph, delays: Readonly<Record<string, number>>): Problem[] {
  return [...graph.nodes.values()]
    .filter((node) => parallelSplitOf(graph, node) !== undefined && (delays[node.name] ?? 0) > 0)
    .map((node) => ({
      where: `flow "${graph.document.name}" step "${node.name}"`,
      field: 'minutes_between_retries',
      value: delays[node.name],
      message: 'a @parallel step retries inside its multi-node Batch job, which cannot wait between attempts',
      fix: 'remove minutes_between_retries from its @retry (it then retries at once), or drop @parallel',
    }));
}

/**
 * The state machine of a Metaflow flow, in the shape of Metaflow's `step-functions create` (Batch Task per step,
 * Parallel per split, DynamoDB cardinality read and Map per foreach), after our init states: parameter defaults,
 * the required-parameter check, and `Parameters` turned into the JSON string Metaflow's start step reads.
 */
export function buildMetaflowDefinition(plan: FlowPlan, refs: MetaflowDefinitionRefs, deployment: MetaflowDeployment, options: MetaflowDefinitionOptions = {}): AslDefinition {
  const graph = plan.graph;
  const parallelProblems = [
    ...metaflowParallelProblems(graph, deployment),
    ...parallelRetryDelayProblems(graph, options.retryDelayMinutes ?? {}),
    ...metaflowUnboundedForeachDeploymentProblems(graph, deployment, options.staticBatchSteps),
    ...metaflowSwitchProblems(graph),
    ...subMinuteTimeoutProblems(graph, deployment, options.staticBatchSteps),
  ];
  if (parallelProblems.length > 0) throw new ValidationError(parallelProblems);
  const init = initStates(graph.document, METAFLOW_INPUT_STATE);
  const states: AslStates = { ...init.states };
  // Replace the generic run state: a Metaflow step carries the run in its Batch job parameters, not in the payload.
  delete states[INIT_STATES.run];
  for (const state of Object.values(states)) {
    const s = state as Record<string, unknown>;
    if (s.Next === INIT_STATES.run) s.Next = METAFLOW_INPUT_STATE;
    if (s.Default === INIT_STATES.run) s.Default = METAFLOW_INPUT_STATE;
  }
  states[METAFLOW_INPUT_STATE] = {
    Type: 'Pass',
    Comment: "Metaflow's start step reads the run's parameters as a JSON string; it merges the defaults itself.",
    Parameters: {
      'Parameters.$': `States.JsonToString($.top.${EXECUTION_INPUT.parameters})`,
      [`${EXECUTION_INPUT.trigger}.$`]: `$.top.${EXECUTION_INPUT.trigger}`,
    },
    Next: graph.start,
  };
  const steps: AslStates = {};
  new MetaflowDefinitionBuilder(plan, refs, deployment, options).visit(graph.start, undefined, steps);
  Object.assign(states, standardPaths(steps));
  if (options.checkOverridesSize !== false) assertOverridesFit(graph.document.name, steps);
  const definition: AslDefinition = { Comment: encodeManifest(plan.manifest), StartAt: init.startAt, States: states };
  if (graph.document.workflowTimeoutSeconds !== undefined) definition.TimeoutSeconds = graph.document.workflowTimeoutSeconds;
  return definition;
}

/** Throws when a Batch Task's container overrides exceed Batch's 8,192 characters, naming the step. */
export function assertOverridesFit(flow: string, states: AslStates): void {
  const tooLarge = overridesSizeProblems(flow, states, (state, name) => ((state.Parameters as { Parameters?: Record<string, string> }).Parameters?.step_name ?? name));
  if (tooLarge.length > 0) throw new ValidationError(tooLarge);
}

/**
 * Metaflow writes JSONPaths as `$.Parameters.['metaflow.run_id']` and `$.[0]`; Step Functions accepts them, the ASL
 * schema (asl-validator) does not. `$.Parameters['metaflow.run_id']` and `$[0]` select the same values.
 */
export function standardPaths<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith('$') ? value.replace(/\.\[/g, '[') : value) as T;
  if (Array.isArray(value)) return value.map(standardPaths) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, standardPaths(v)])) as T;
  return value;
}
