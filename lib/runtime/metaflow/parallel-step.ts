import type { Problem } from '../../errors';
import type { FlowGraph, GraphNode } from '../../graph/analyze';
import { INPUT_PATHS_FILE } from './array-foreach';
import type { MetaflowStepCommandOptions } from './command';
import { controlMapperJoinInputsCommand } from './control-mapper-tasks';
import type { MetaflowDeployment } from './deployment';
import { retriesOf } from './step-protocol';
import { metaflowSubmitJob, type MetaflowJobRefs, type MetaflowSubmitJob } from './submit-job';

/**
 * A `num_parallel` split and its `@parallel` step, which Metaflow cannot deploy to Step Functions
 * (`metaflow-sfn-protocol.md` §1.3, §8), compiled as Metaflow's `run --with batch` runs them: the `@parallel` step is
 * ONE Batch multi-node job. Node 0 is the control task, nodes 1..N-1 its workers; each node runs Metaflow's own `step`
 * with the ids, split index and UBF context Metaflow's `BatchJob.execute` gives it:
 *
 * - control: task id = the job's id, `--ubf-context ubf_control --split-index 0`; its `@batch` decorator
 *   (`task_pre_step`) lists the mapper tasks `[<id>, <id>-node-1, ...]` in `_control_mapper_tasks`;
 * - worker i: task id `<id>-node-<i>`, `--ubf-context ubf_task --split-index $AWS_BATCH_JOB_NODE_INDEX`.
 *
 * Batch gives every node `AWS_BATCH_JOB_ID=<id>#<node>`, so the script strips `#<node>` (`${AWS_BATCH_JOB_ID%#*}`):
 * `<id>` is the job id Step Functions returns, hence the join's inputs are known without DynamoDB.
 * `MF_PARALLEL_CONTROL_TASK_ID` (Metaflow sets it as a job variable; the id is only known in the task) is exported.
 *
 * The join after the step gets the mapper tasks in node order as input paths, as Metaflow's runtime passes the
 * control task's `_control_mapper_tasks` to it. With `@catch` on the step, that list can be the control task alone:
 * `@catch`'s fallback attempt runs only there (Metaflow's local runtime starts no workers for it, and `task_exception`
 * lists the control task alone), so worker nodes skip that attempt and the join reads the list from the datastore.
 *
 * The split and the `@parallel` step run without `step_functions_internal`, as under `run --with batch`: its
 * `task_finished` would write `range(None)` as the split's cardinality (a `num_parallel` split has no
 * `_foreach_num_splits`) and need a foreach-join key on every node.
 */

/** The task id of the control node and of the worker nodes, as the node's script spells it. */
export const METAFLOW_PARALLEL_TASK_IDS = {
  control: '${AWS_BATCH_JOB_ID%#*}',
  worker: '${AWS_BATCH_JOB_ID%#*}-node-$AWS_BATCH_JOB_NODE_INDEX',
} as const;

/** Exported before Metaflow runs, for `current.parallel.control_task_id` (Metaflow's `MF_PARALLEL_CONTROL_TASK_ID`). */
export const METAFLOW_PARALLEL_SETUP = `export MF_PARALLEL_CONTROL_TASK_ID=${METAFLOW_PARALLEL_TASK_IDS.control}`;

/** The `num_parallel` split that starts `node` (a `@parallel` step), if it is one. */
export function parallelSplitOf(graph: FlowGraph, node: GraphNode): GraphNode | undefined {
  if (node.step.parallel !== true) return undefined;
  const parent = graph.nodes.get(node.inFuncs[0] ?? '');
  return parent?.type === 'split-parallel' ? parent : undefined;
}

/** Number of nodes of a `@parallel` step. */
export function metaflowNumNodes(graph: FlowGraph, node: GraphNode): number {
  return parallelSplitOf(graph, node)?.numParallel ?? 1;
}

/** Node ranges of the job definition and the overrides: control alone, then the workers (as Metaflow registers them). */
export function metaflowNodeRanges(numNodes: number): string[] {
  return numNodes > 1 ? ['0:0', `1:${numNodes - 1}`] : ['0:0'];
}

/** The `--input-paths` of the join after a `@parallel` step of `numNodes` nodes: every mapper task, in node order. */
export function metaflowParallelJoinInputPaths(parallelStep: string, numNodes: number): string {
  const parent = '${METAFLOW_PARENT_TASK_ID}';
  const workers = Array.from({ length: numNodes - 1 }, (_, i) => `${parent}-node-${i + 1}`);
  return `sfn-\${METAFLOW_RUN_ID}/${parallelStep}/:${[parent, ...workers].join(',')}`;
}

/**
 * What the split, the `@parallel` step's nodes and the join need beyond Metaflow's compiler, as command options
 * (`undefined`: the step is none of them). The nodes' own ids and args come from `metaflowParallelSubmitJob`.
 */
export function metaflowParallelStepOptions(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment): MetaflowStepCommandOptions | undefined {
  const node = graph.nodes.get(stepName)!;
  if (node.type === 'split-parallel') return { stepFunctionsInternal: false };
  if (parallelSplitOf(graph, node) !== undefined) return { stepFunctionsInternal: false, setup: [METAFLOW_PARALLEL_SETUP] };
  const parent = node.type === 'join' && node.inFuncs.length === 1 ? graph.nodes.get(node.inFuncs[0]) : undefined;
  if (parent === undefined || parallelSplitOf(graph, parent) === undefined) return undefined;
  if (parent.step.catch !== undefined) {
    return {
      inputPathsFile: INPUT_PATHS_FILE,
      joinInputsCommand: controlMapperJoinInputsCommand(graph.document.name, parent.name, deployment.datastoreRoot, INPUT_PATHS_FILE, 'METAFLOW_PARENT_TASK_ID'),
    };
  }
  return { inputPaths: metaflowParallelJoinInputPaths(parent.name, metaflowNumNodes(graph, parent)) };
}

/**
 * A worker node's first command when its step has `@catch`: the fallback attempt (retry count past the user's
 * retries) runs on the control node alone, so the worker exits at once, recording no attempt.
 */
export function metaflowParallelWorkerFallbackSkip(maxUserCodeRetries: number): string {
  return (
    `if [ $((AWS_BATCH_JOB_ATTEMPT-1)) -gt ${maxUserCodeRetries} ]; then ` +
    "echo \"@catch's fallback runs on the control node alone: worker node $AWS_BATCH_JOB_NODE_INDEX has no task in this attempt\"; exit 0; fi"
  );
}

/** `batch:submitJob.sync` Parameters of a multi-node job: Metaflow's submission with per-node-range overrides. */
export interface MetaflowParallelSubmitJob extends Omit<MetaflowSubmitJob, 'ContainerOverrides'> {
  readonly NodeOverrides: {
    readonly NodePropertyOverrides: ReadonlyArray<{ readonly TargetNodes: string; readonly ContainerOverrides: MetaflowSubmitJob['ContainerOverrides'] }>;
  };
}

/** The Task Parameters of a `@parallel` step: one multi-node job, control on node 0, workers on the other nodes. */
export function metaflowParallelSubmitJob(
  graph: FlowGraph,
  stepName: string,
  deployment: MetaflowDeployment,
  refs: MetaflowJobRefs,
  options: MetaflowStepCommandOptions = {},
): MetaflowParallelSubmitJob {
  const node = graph.nodes.get(stepName)!;
  const base = { ...options, ...metaflowParallelStepOptions(graph, stepName, deployment) };
  const fallbackSkip = node.step.catch !== undefined ? [metaflowParallelWorkerFallbackSkip(retriesOf(node).maxUserCodeRetries)] : [];
  const control = metaflowSubmitJob(graph, stepName, deployment, refs, {
    ...base,
    taskId: METAFLOW_PARALLEL_TASK_IDS.control,
    stepArgs: ['--ubf-context ubf_control', '--split-index 0'],
  });
  const worker = metaflowSubmitJob(graph, stepName, deployment, refs, {
    ...base,
    prelude: [...(base.prelude ?? []), ...fallbackSkip],
    taskId: METAFLOW_PARALLEL_TASK_IDS.worker,
    stepArgs: ['--ubf-context ubf_task', '--split-index $AWS_BATCH_JOB_NODE_INDEX'],
  });
  const ranges = metaflowNodeRanges(metaflowNumNodes(graph, node));
  const { ContainerOverrides: controlOverrides, ...job } = control;
  return {
    ...job,
    NodeOverrides: {
      NodePropertyOverrides: ranges.map((range, i) => ({ TargetNodes: range, ContainerOverrides: i === 0 ? controlOverrides : worker.ContainerOverrides })),
    },
  };
}

/**
 * Graph shapes Metaflow's multi-node protocol cannot run: the control task waits until its step has exactly as many
 * finished tasks as it has mappers (`_wait_for_mapper_tasks` counts every task of the step in the run), so a
 * `@parallel` step that runs more than once per run (inside a foreach) never sees its count.
 */
export function metaflowParallelPlanProblems(graph: FlowGraph): Problem[] {
  const problems: Problem[] = [];
  for (const node of graph.nodes.values()) {
    const split = parallelSplitOf(graph, node);
    const foreach = split?.splitParents.find((p) => graph.nodes.get(p)?.type === 'foreach');
    if (split === undefined || foreach === undefined) continue;
    problems.push({
      where: `flow "${graph.document.name}" step "${node.name}"`,
      field: 'parallel',
      value: `inside foreach "${foreach}"`,
      message: "a @parallel step inside a foreach runs once per split, but Metaflow's control task waits until the step has exactly num_parallel finished tasks in the whole run (batch_decorator _wait_for_mapper_tasks), so it fails after 600 s",
      fix: `move the num_parallel split out of foreach "${foreach}" (e.g. raise num_parallel and split the work by current.parallel.node_index)`,
    });
  }
  return problems;
}

/**
 * What keeps a Metaflow `@parallel` step from running as Metaflow expects. Its control task waits for its workers'
 * tasks to finish through the Metaflow client (`batch_decorator.py` `_wait_for_mapper_tasks`): with local metadata
 * inside the job it sees only itself and fails after 600 s.
 */
export function metaflowParallelProblems(graph: FlowGraph, deployment: MetaflowDeployment): Problem[] {
  const problems: Problem[] = [];
  for (const node of graph.nodes.values()) {
    const split = parallelSplitOf(graph, node);
    if (split === undefined || (split.numParallel ?? 1) < 2 || deployment.metadata === 'service') continue;
    problems.push({
      where: `flow "${graph.document.name}" step "${node.name}"`,
      field: 'metadata',
      value: deployment.metadata ?? 'local',
      message: `the control task of this @parallel step waits for its ${(split.numParallel ?? 1) - 1} worker task(s) through the Metaflow metadata service; with local metadata it fails after 600 s`,
      fix: 'give the infrastructure a metadata service (MetaflowInfrastructure metadataService: {}) or the flow one (MetaflowFlow metaflow.serviceUrl), or use num_parallel=1',
    });
  }
  return problems;
}
