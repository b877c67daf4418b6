import type { Problem } from '../errors';
import type { FlowGraph } from '../graph/analyze';
import type { CompileOptions, ForeachStrategy } from './options';
import { metaflowParallelPlanProblems } from '../runtime/metaflow/parallel-step';
import { metaflowUnboundedForeachPlanProblems } from '../runtime/metaflow/unbounded-foreach';

/**
 * Metaflow's own foreach shape: the foreach task writes its cardinality to DynamoDB, a getItem reads it, and an inline
 * Map runs one iteration per split. A chain body runs as Batch array jobs instead (`chooseMetaflowForeachStrategy`).
 */
export const METAFLOW_FOREACH_STRATEGY: ForeachStrategy = 'inline-map';

/** The job definition's own command for a Metaflow step; every submission overrides it with the step's command. */
export const METAFLOW_JOB_DEFINITION_COMMAND: readonly string[] = [
  'bash',
  '-c',
  'echo "metaflow-cdk: this job definition runs the Metaflow step command its state machine passes in ContainerOverrides" >&2; exit 64',
];

/** What a Metaflow flow cannot have on this compiler (yet), each with the way out. */
export function metaflowPlanProblems(graph: FlowGraph, options: CompileOptions): Problem[] {
  return [...metaflowParallelPlanProblems(graph), ...metaflowUnboundedForeachPlanProblems(graph, options.foreachStrategies)];
}
