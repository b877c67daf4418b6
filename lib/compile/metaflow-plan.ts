import type { Problem } from '../errors';
import type { FlowGraph } from '../graph/analyze';
import type { CompileOptions, ForeachStrategy } from './options';
import { stepWhere } from './routing';
import { metaflowParallelPlanProblems } from '../runtime/metaflow/parallel-step';

/**
 * A Metaflow foreach keeps Metaflow's own shape: the foreach task writes its cardinality to DynamoDB, a getItem reads
 * it, and an inline Map runs one iteration per split. The Metaflow runtime inside the task depends on this shape: body
 * tasks take `--split-index` from the Map's `Index`, the join reads its parents' Batch job ids from DynamoDB, and input
 * paths are compressed with `:` as a separator, which Batch array child job ids (`<id>:<index>`) would break.
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
  const problems: Problem[] = [];
  const flow = graph.document.name;
  for (const [name, forced] of Object.entries(options.foreachStrategies ?? {})) {
    if (forced === METAFLOW_FOREACH_STRATEGY) continue;
    problems.push({
      where: stepWhere(flow, name),
      field: 'foreachStrategy',
      value: forced,
      message: `a Metaflow foreach runs as "${METAFLOW_FOREACH_STRATEGY}": the step's runtime reads its split index from the Map and its join's inputs from DynamoDB`,
      fix: `remove the strategy or use "${METAFLOW_FOREACH_STRATEGY}"`,
    });
  }
  problems.push(...metaflowParallelPlanProblems(graph));
  return problems;
}
