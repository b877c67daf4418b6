import type { FlowGraph, GraphNode } from '../graph/analyze';
import { STEP_ENV, parameterEnvName } from '../runtime/env';
import { JOB_KEYS, batchJobName } from '../runtime/naming';
import { AslState, PAYLOAD, childPath, partitionArn } from './asl';
import { alwaysPresent } from './init-states';
import { SUBMIT_THROTTLE_RETRY, userRetries } from './retry';

/**
 * How one step's task is submitted:
 * - `single`: one Batch job for one task (outside foreach, or inside a Map iteration);
 * - `array`: one array job per chunk of an array-job foreach body (the entry script derives index and task id);
 * - `array-single`: a width-1 array-job foreach body step, as one plain job;
 * - `multinode`: a multi-node parallel job whose nodes are the tasks.
 */
export type TaskMode = 'single' | 'array' | 'array-single' | 'multinode';

export type EnvEntry = { readonly Name: string; readonly Value: string } | { readonly Name: string; readonly 'Value.$': string };

export interface SubmitRefs {
  readonly partition: string;
  readonly jobDefinitionArn: string;
  readonly jobQueueArn: string;
}

const fixed = (Name: string, Value: string): EnvEntry => ({ Name, Value });
const dynamic = (Name: string, path: string): EnvEntry => ({ Name, 'Value.$': path });
const format = (template: string, ...paths: string[]): string => `States.Format('${template}', ${paths.join(', ')})`;

/** Where a retrying step's count of user retries so far lives in the state payload (`{ n }`). */
export function retryCounterPath(step: string): string {
  return `${childPath(PAYLOAD.retries, step)}.n`;
}

/** The split (foreach or parallel) a join closes. */
function closedSplit(graph: FlowGraph, join: GraphNode): GraphNode | undefined {
  const name = join.splitParents[join.splitParents.length - 1];
  return name === undefined ? undefined : graph.nodes.get(name);
}

/** MF_INPUT_PATHS (and MF_SPLIT_WIDTH for joins of foreach/parallel) of a task in `single` or `multinode` mode. */
function inputEnv(graph: FlowGraph, node: GraphNode): EnvEntry[] {
  if (node.type === 'start' || node.inFuncs.length === 0) return [fixed(STEP_ENV.inputPaths, '')];
  if (node.type === 'join') {
    const split = closedSplit(graph, node);
    if (split?.type === 'foreach' || split?.type === 'split-parallel') {
      const last = node.inFuncs[0];
      const width = split.type === 'foreach' ? dynamic(STEP_ENV.splitWidth, format('{}', `${PAYLOAD.fanout}.width`)) : fixed(STEP_ENV.splitWidth, String(split.numParallel ?? 1));
      return [dynamic(STEP_ENV.inputPaths, format(`${last}/{}-*`, PAYLOAD.path)), width];
    }
    return [dynamic(STEP_ENV.inputPaths, format(node.inFuncs.map((p) => `${p}/{}`).join(','), ...node.inFuncs.map(() => PAYLOAD.path)))];
  }
  const parent = graph.nodes.get(node.inFuncs[0])!;
  const parentTask = parent.type === 'foreach' ? PAYLOAD.parentPath : PAYLOAD.path;
  return [dynamic(STEP_ENV.inputPaths, format(`${parent.name}/{}`, parentTask))];
}

/** Variables every task of a run gets from the state machine. */
function runEnv(graph: FlowGraph, node: GraphNode): EnvEntry[] {
  const params = (graph.document.parameters ?? []).filter(alwaysPresent).map((p) => {
    const path = childPath(PAYLOAD.parameters, p.name);
    const value = p.type === 'string' ? path : p.type === 'json' ? `States.JsonToString(${path})` : format('{}', path);
    return dynamic(parameterEnvName(p.name), value);
  });
  return [
    fixed(STEP_ENV.stepName, node.name),
    dynamic(STEP_ENV.runId, PAYLOAD.runId),
    dynamic(STEP_ENV.user, PAYLOAD.user),
    dynamic(STEP_ENV.parameters, `States.JsonToString(${PAYLOAD.parameters})`),
    ...params,
    dynamic(STEP_ENV.triggerBucket, PAYLOAD.triggerBucket),
    dynamic(STEP_ENV.triggerKey, PAYLOAD.triggerKey),
  ];
}

export interface TaskEnvInput {
  readonly graph: FlowGraph;
  readonly node: GraphNode;
  readonly mode: TaskMode;
  /** Inside a Map iteration of a foreach (inline or distributed): the task has a split index. */
  readonly insideMapIteration: boolean;
  /** Array-job body: the step before this one in the body, or undefined for the first body step. */
  readonly previousBodyStep?: string;
  /** Array-job body: the foreach step. */
  readonly foreachStep?: string;
}

export function taskEnvironment(input: TaskEnvInput): EnvEntry[] {
  const { graph, node, mode } = input;
  const env = runEnv(graph, node);
  if (mode === 'array' || mode === 'array-single') {
    env.push(dynamic(STEP_ENV.arrayParent, PAYLOAD.path));
    if (mode === 'array') env.push(dynamic(STEP_ENV.arrayOffset, format('{}', PAYLOAD.chunkOffset)));
    else env.push(fixed(STEP_ENV.splitIndex, '0'));
    if (input.previousBodyStep !== undefined) env.push(fixed(STEP_ENV.arrayInputStep, input.previousBodyStep));
    else env.push(dynamic(STEP_ENV.inputPaths, format(`${input.foreachStep}/{}`, PAYLOAD.path)));
    return env;
  }
  if (mode === 'multinode') {
    const retry = userRetries(node.step) > 0 ? dynamic(STEP_ENV.retryCount, format('{}', retryCounterPath(node.name))) : fixed(STEP_ENV.retryCount, '0');
    env.push(dynamic(STEP_ENV.arrayParent, PAYLOAD.path), retry, ...inputEnv(graph, node));
    return env;
  }
  env.push(dynamic(STEP_ENV.taskId, PAYLOAD.path));
  env.push(userRetries(node.step) > 0 ? dynamic(STEP_ENV.retryCount, format('{}', retryCounterPath(node.name))) : fixed(STEP_ENV.retryCount, '0'));
  if (input.insideMapIteration) env.push(dynamic(STEP_ENV.splitIndex, format('{}', PAYLOAD.index)));
  env.push(...inputEnv(graph, node));
  return env;
}

/** Batch job parameters and tags: the keys `metaflow-cdk batch list/kill` filter on. */
function jobKeys(graph: FlowGraph, node: GraphNode, extra: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...extra,
    [JOB_KEYS.flowName]: graph.document.name,
    [JOB_KEYS.stepName]: node.name,
    [`${JOB_KEYS.runId}.$`]: PAYLOAD.runId,
    [`${JOB_KEYS.user}.$`]: PAYLOAD.user,
  };
}

export interface SubmitStateInput extends TaskEnvInput {
  readonly refs: SubmitRefs;
  readonly jobTags?: Readonly<Record<string, string>>;
  /** Keep the Batch job id at `$.job` (foreach steps). */
  readonly keepJobId?: boolean;
}

/** A `batch:submitJob.sync` Task for one step, without Next/End/Catch. */
export function submitJobState(input: SubmitStateInput): AslState {
  const { graph, node, mode, refs } = input;
  const environment = taskEnvironment(input);
  const overrides =
    mode === 'multinode'
      ? { NodeOverrides: { NodePropertyOverrides: [{ TargetNodes: '0:', ContainerOverrides: { Environment: environment } }] } }
      : { ContainerOverrides: { Environment: environment } };
  return {
    Type: 'Task',
    Resource: partitionArn(refs.partition, 'batch:submitJob.sync'),
    Parameters: {
      JobName: batchJobName(graph.document.name, node.name),
      JobDefinition: refs.jobDefinitionArn,
      JobQueue: refs.jobQueueArn,
      ...(mode === 'array' ? { ArrayProperties: { 'Size.$': PAYLOAD.chunkSize }, 'DependsOn.$': PAYLOAD.chunkDependsOn } : {}),
      ...overrides,
      Parameters: jobKeys(graph, node, {}),
      Tags: jobKeys(graph, node, input.jobTags ?? {}),
    },
    ...(input.keepJobId ? { ResultSelector: { 'JobId.$': '$.JobId' }, ResultPath: PAYLOAD.job } : { ResultPath: null }),
    Retry: [SUBMIT_THROTTLE_RETRY],
  };
}
