import type { Problem } from '../errors';
import type { FlowGraph, GraphNode } from '../graph/analyze';
import { foreachBody, type ForeachBody, type ForeachStrategyOptions } from './foreach-strategy';
import type { ForeachStrategy } from './options';
import { stepWhere } from './routing';

/** The `minutes_between_retries` the flow file writes for a step (a bare `@retry` writes none: it retries at once). */
export function writtenRetryDelay(graph: FlowGraph, step: string): number | undefined {
  const runtime = graph.document.runtime;
  return runtime?.kind === 'metaflow' ? runtime.retryDelayMinutes?.[step] : undefined;
}

/**
 * Why a Metaflow foreach body cannot run as Batch array jobs (empty when it can). Unlike a generic flow, `@catch` and
 * `@retry` are no obstacle: Metaflow handles both inside the task from Batch's attempt number, per array child.
 */
export function metaflowArrayObstacles(graph: FlowGraph, body: ForeachBody): string[] {
  const reasons: string[] = [];
  if (!body.linear) reasons.push('the body has splits, switches, foreaches or joins of its own');
  for (const name of body.steps) {
    const step = graph.nodes.get(name)!.step;
    if (step.parallel === true) reasons.push(`step "${name}" is a multi-node @parallel step`);
    if ((writtenRetryDelay(graph, name) ?? 0) > 0) reasons.push(`step "${name}" waits between retries, which Batch array children cannot do`);
  }
  return reasons;
}

/**
 * The strategy of a Metaflow foreach: Batch array jobs for a chain body (derived task ids keep Metaflow's ids, input
 * paths and split index; see `lib/runtime/metaflow/array-foreach.ts`), else Metaflow's own inline Map. A forced
 * strategy is kept when it can run; Metaflow's Distributed Map shape is not compiled.
 */
export function chooseMetaflowForeachStrategy(
  graph: FlowGraph,
  foreach: GraphNode,
  options: ForeachStrategyOptions,
): { strategy: ForeachStrategy; problems: Problem[] } {
  const obstacles = metaflowArrayObstacles(graph, foreachBody(graph, foreach));
  const forced = options.foreachStrategies?.[foreach.name];
  const where = stepWhere(graph.document.name, foreach.name);
  if (forced === 'distributed-map') {
    return {
      strategy: 'inline-map',
      problems: [{ where, field: 'foreachStrategy', value: forced, message: "a Metaflow foreach runs as Batch array jobs or Metaflow's inline Map; its Distributed Map shape is not compiled", fix: 'use "array-job" (chain bodies) or "inline-map", or leave the strategy unset' }],
    };
  }
  if (forced === 'array-job' && obstacles.length > 0) {
    return {
      strategy: 'inline-map',
      problems: [{ where, field: 'foreachStrategy', value: forced, message: `an array job cannot run this body: ${obstacles.join('; ')}`, fix: 'use "inline-map", or leave the strategy unset' }],
    };
  }
  if (forced !== undefined) return { strategy: forced, problems: [] };
  return { strategy: obstacles.length === 0 ? 'array-job' : 'inline-map', problems: [] };
}
