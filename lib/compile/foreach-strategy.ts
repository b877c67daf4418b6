import { Problem } from '../errors';
import type { FlowGraph, GraphNode } from '../graph/analyze';
import { DEFAULT_MAX_NUM_SPLITS } from '../graph/model';
import { CompileOptions, DEFAULT_INLINE_MAP_MAX_WIDTH, ForeachStrategy } from './options';
import { chooseMetaflowForeachStrategy } from './metaflow-foreach-strategy';
import { stepWhere } from './routing';
import { isUnboundedForeach } from '../runtime/metaflow/step-protocol';

/** The compile options that decide a foreach's strategy. */
export type ForeachStrategyOptions = Pick<CompileOptions, 'foreachStrategies' | 'inlineMapMaxWidth'>;

/** Above this many splits an inline Map risks the 25,000-event execution history limit (5+ events per task). */
export const INLINE_MAP_HARD_LIMIT = 1000;

export interface ForeachBody {
  /** Steps from the first inside the foreach to the last before its join, in order when `linear`. */
  readonly steps: readonly string[];
  /** Every body step is a plain linear step: the body is a chain. */
  readonly linear: boolean;
}

/** The body of a foreach: a chain when every step has one successor and no split of its own. */
export function foreachBody(graph: FlowGraph, foreach: GraphNode): ForeachBody {
  const join = foreach.matchingJoin;
  const steps: string[] = [];
  let linear = true;
  const seen = new Set<string>();
  const queue = [...foreach.outFuncs];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === join || seen.has(name)) continue;
    seen.add(name);
    steps.push(name);
    const node = graph.nodes.get(name)!;
    if (node.type !== 'linear' || node.outFuncs.length !== 1) linear = false;
    queue.push(...node.outFuncs);
  }
  return { steps, linear };
}

/** Why a body cannot be an array job even though it is a chain (empty when it can). */
function arrayObstacles(graph: FlowGraph, body: ForeachBody): string[] {
  const reasons: string[] = [];
  if (!body.linear) reasons.push('the body has splits or joins of its own');
  for (const name of body.steps) {
    const step = graph.nodes.get(name)!.step;
    if (step.catch) reasons.push(`step "${name}" has @catch, which an array job cannot apply per task`);
    if ((step.retry?.minutesBetweenRetries ?? 0) > 0) reasons.push(`step "${name}" waits between retries, which Batch cannot do`);
  }
  return reasons;
}

export function maxNumSplitsOf(graph: FlowGraph): number {
  return graph.document.maxNumSplits ?? DEFAULT_MAX_NUM_SPLITS;
}

/**
 * design.md decision 3: an array job for a chain body (task count does not grow state transitions), an inline Map
 * when `maxNumSplits` bounds the width to a small number, else a Distributed Map over an S3 item manifest.
 */
export function chooseForeachStrategy(
  graph: FlowGraph,
  foreach: GraphNode,
  options: ForeachStrategyOptions,
): { strategy: ForeachStrategy; problems: Problem[] } {
  const body = foreachBody(graph, foreach);
  const obstacles = arrayObstacles(graph, body);
  const maxSplits = maxNumSplitsOf(graph);
  const forced = options.foreachStrategies?.[foreach.name];
  const where = stepWhere(graph.document.name, foreach.name);
  if (forced === 'array-job' && obstacles.length > 0) {
    return {
      strategy: 'distributed-map',
      problems: [{ where, field: 'foreachStrategy', value: forced, message: `an array job cannot run this body: ${obstacles.join('; ')}`, fix: 'use "distributed-map" or "inline-map", or leave the strategy unset' }],
    };
  }
  if (forced === 'inline-map' && maxSplits > INLINE_MAP_HARD_LIMIT) {
    return {
      strategy: 'distributed-map',
      problems: [{ where, field: 'foreachStrategy', value: forced, message: `maxNumSplits ${maxSplits} lets this foreach grow past what one execution history holds (${INLINE_MAP_HARD_LIMIT} tasks)`, fix: `lower the flow's maxNumSplits to ${INLINE_MAP_HARD_LIMIT} or less, or use "distributed-map"` }],
    };
  }
  if (forced !== undefined) return { strategy: forced, problems: [] };
  if (obstacles.length === 0) return { strategy: 'array-job', problems: [] };
  const inlineMax = options.inlineMapMaxWidth ?? DEFAULT_INLINE_MAP_MAX_WIDTH;
  return { strategy: maxSplits <= inlineMax ? 'inline-map' : 'distributed-map', problems: [] };
}

/**
 * The strategy the compiler uses for a foreach of any flow: `chooseMetaflowForeachStrategy` for an imported Metaflow
 * flow, else `chooseForeachStrategy`. Pure: the CLI's graph uses it.
 */
export function foreachStrategyOf(graph: FlowGraph, foreach: GraphNode, options: ForeachStrategyOptions = {}): { strategy: ForeachStrategy; problems: Problem[] } {
  if (graph.document.runtime?.kind === 'metaflow') return chooseMetaflowForeachStrategy(graph, foreach, options);
  return chooseForeachStrategy(graph, foreach, options);
}

const STRATEGY_WORDS: Record<ForeachStrategy, string> = {
  'array-job': 'Batch array jobs',
  'inline-map': 'inline Map',
  'distributed-map': 'Distributed Map over an S3 item manifest',
};

/** One line for a diagram node: `foreach strategy: array-job (Batch array jobs)`; undefined for other nodes. */
export function foreachStrategyLine(node: GraphNode, graph: FlowGraph, options: ForeachStrategyOptions = {}): string | undefined {
  if (node.type !== 'foreach') return undefined;
  if (isUnboundedForeach(graph, node)) return 'unbounded foreach: one control task runs the mapper tasks';
  const { strategy } = foreachStrategyOf(graph, node, options);
  return `foreach strategy: ${strategy} (${STRATEGY_WORDS[strategy]})`;
}
