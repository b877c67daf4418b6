import { Problem, ValidationError } from '../errors';
import { defaultsOverridesProblems } from './overrides-size';
import type { FlowGraph, GraphNode } from '../graph/analyze';
import { assertValidFlow } from '../graph/validate';
import type { FlowDocument } from '../graph/model';
import type { FlowManifest } from '../runtime/manifest';
import { foreachBody, foreachStrategyOf } from './foreach-strategy';
import { JobDefinitionSpec, jobDefinitionFor } from './job-definitions';
import { CompileOptions, FOREACH_STRATEGIES, ForeachStrategy } from './options';
import { RetryMode } from './retry';
import { METAFLOW_JOB_DEFINITION_COMMAND, metaflowPlanProblems } from './metaflow-plan';
import { LIBRARY_JOB_TAGS, MAX_JOB_TAGS, flowTagProblems } from './flow-props-rules';
import { findQueue, isParallelNode, multiNodeProblems, multiNodeSpotWarnings, routingProblems, stepWhere } from './routing';
import { metaflowNodeRanges } from '../runtime/metaflow/parallel-step';
import { isUnboundedForeach } from '../runtime/metaflow/step-protocol';

export interface StepPlan {
  readonly name: string;
  readonly queueName: string;
  readonly jobDefinitionKey: string;
  readonly retryMode: RetryMode;
  /** On foreach steps. */
  readonly foreachStrategy?: ForeachStrategy;
}

/** Everything the compiler decided about a flow, before any resource exists. */
export interface FlowPlan {
  readonly graph: FlowGraph;
  readonly options: CompileOptions;
  readonly steps: ReadonlyMap<string, StepPlan>;
  /** Distinct job definitions (steps with equal settings share one). */
  readonly jobDefinitions: readonly JobDefinitionSpec[];
  readonly foreachStrategies: Readonly<Record<string, ForeachStrategy>>;
  readonly manifest: Omit<FlowManifest, 'format'>;
  /** What synthesizes but may not run as the flow's author expects; the construct shows each as a synth warning. */
  readonly warnings: readonly Problem[];
}

/** The step that a `split-parallel` step fans out to runs on `numParallel` nodes. */
export function numNodesOf(graph: FlowGraph, node: GraphNode): number | undefined {
  if (!isParallelNode(node)) return undefined;
  const parent = graph.nodes.get(node.inFuncs[0] ?? '');
  return parent?.numParallel ?? 1;
}

/**
 * A job carries its job definition's tags (propagated) and the tags SubmitJob gives it; Batch fails a job with more
 * than 50 in all, so every run of the step would fail.
 */
function jobTagCountProblems(flow: string, node: GraphNode, spec: JobDefinitionSpec, options: CompileOptions): Problem[] {
  const keys = new Set([...Object.keys(spec.tags), ...LIBRARY_JOB_TAGS, ...Object.keys(options.jobTags ?? {})]);
  // the step's awsBatchTags with the flow defaults', beside the one tag every job definition gets; without any, too
  // many jobTags are the flow prop's problem (jobTagsProblems)
  const own = Object.keys(spec.tags).length - 1;
  if (keys.size <= MAX_JOB_TAGS || own === 0) return [];
  return [{
    where: stepWhere(flow, node.name),
    field: 'awsBatchTags',
    value: `${own} tags`,
    message: `with the flow's jobTags and the tags metaflow-cdk sets, each job would carry ${keys.size} tags; Batch fails a job with more than ${MAX_JOB_TAGS}`,
    fix: `keep at most ${Math.max(0, own - (keys.size - MAX_JOB_TAGS))} awsBatchTags on this step (flow defaults included), or fewer jobTags`,
  }];
}

/**
 * Plans a flow: validates the graph, chooses each foreach's strategy, routes each step to a queue and checks that
 * the queue can run it, and derives the job definitions. Throws one `ValidationError` with every problem.
 */
export function planFlow(doc: FlowDocument, options: CompileOptions): FlowPlan {
  const graph = assertValidFlow(doc, { scheduledParameters: options.scheduledParameters });
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const metaflow = doc.runtime?.kind === 'metaflow';
  if (metaflow) problems.push(...metaflowPlanProblems(graph, options));
  problems.push(...flowTagProblems(doc.name, doc.tags));
  problems.push(...defaultsOverridesProblems(doc.name, doc.parameters ?? []));
  const foreachStrategies: Record<string, ForeachStrategy> = {};
  const arrayBodySteps = new Set<string>();
  for (const name of graph.sortedNames) {
    const node = graph.nodes.get(name)!;
    if (node.type !== 'foreach' || isUnboundedForeach(graph, node)) continue;
    const chosen = foreachStrategyOf(graph, node, options);
    problems.push(...chosen.problems);
    foreachStrategies[name] = chosen.strategy;
    if (chosen.strategy === 'array-job') foreachBody(graph, node).steps.forEach((s) => arrayBodySteps.add(s));
  }
  for (const [name, strategy] of Object.entries(options.foreachStrategies ?? {})) {
    if (graph.nodes.get(name)?.type !== 'foreach') {
      problems.push({ where: `flow "${doc.name}"`, field: 'foreachStrategies', value: name, message: 'not a foreach step of this flow', fix: `name one of ${Object.keys(foreachStrategies).map((s) => `"${s}"`).join(', ') || '(no foreach steps)'}` });
    }
    // The type stops a typo in TypeScript, not from JavaScript or JSON; an unknown value would compile as a distributed
    // map whose permissions the flow's role never gets.
    if (!FOREACH_STRATEGIES.includes(strategy)) {
      problems.push({ where: `flow "${doc.name}"`, field: `foreachStrategies.${name}`, value: strategy, message: 'not a foreach strategy', fix: `use one of ${FOREACH_STRATEGIES.map((s) => `"${s}"`).join(', ')}` });
    }
  }

  const steps = new Map<string, StepPlan>();
  const jobDefinitions = new Map<string, JobDefinitionSpec>();
  for (const name of graph.sortedNames) {
    const node = graph.nodes.get(name)!;
    const routing = routingProblems(doc.name, node, options);
    problems.push(...routing);
    const queue = findQueue(node, options);
    if (queue === undefined) continue;
    const retryMode: RetryMode = arrayBodySteps.has(name) ? 'array' : 'task';
    const platform = queue.capabilities.platform;
    // A Metaflow step's command travels in the container overrides, and its @secrets are read by Metaflow inside the
    // task (the job role may read them): the job definition holds only the static settings.
    const jobNode = metaflow ? { ...node, step: { ...node.step, command: [...METAFLOW_JOB_DEFINITION_COMMAND], secrets: undefined } } : node;
    const numNodes = numNodesOf(graph, node);
    if (numNodes !== undefined) {
      problems.push(...multiNodeProblems(doc.name, node, numNodes, queue));
      warnings.push(...multiNodeSpotWarnings(doc.name, node, queue));
    }
    // A Metaflow multi-node job overrides its control node and its workers apart; its ranges match (as Metaflow's).
    const nodeRanges = metaflow && numNodes !== undefined ? metaflowNodeRanges(numNodes) : undefined;
    const { spec, problems: jdProblems } = jobDefinitionFor({ flow: doc.name, node: jobNode, platform, retryMode, numNodes, nodeRanges }, options);
    problems.push(...jdProblems);
    if (spec === undefined) continue;
    problems.push(...jobTagCountProblems(doc.name, node, spec, options));
    if (!jobDefinitions.has(spec.key)) jobDefinitions.set(spec.key, spec);
    steps.set(name, { name, queueName: queue.name, jobDefinitionKey: spec.key, retryMode, ...(foreachStrategies[name] ? { foreachStrategy: foreachStrategies[name] } : {}) });
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const manifest: Omit<FlowManifest, 'format'> = {
    flow: doc.name,
    parameters: (doc.parameters ?? []).map(withoutSource),
    steps: graph.sortedNames.map((name) => ({
      name,
      type: graph.nodes.get(name)!.type,
      ...(foreachStrategies[name] ? { foreachStrategy: foreachStrategies[name] } : {}),
    })),
    ...(doc.schedule ? { schedule: withoutSource(doc.schedule) } : {}),
    ...(doc.triggers ? { triggers: doc.triggers.map(withoutSource) } : {}),
  };
  return { graph, options, steps, jobDefinitions: [...jobDefinitions.values()], foreachStrategies, manifest, warnings };
}

/** The manifest travels in the state machine's `Comment`: where the flow file declared something stays out of it. */
function withoutSource<T extends { readonly source?: unknown }>(part: T): Omit<T, 'source'> {
  const { source: _source, ...rest } = part;
  return rest;
}
