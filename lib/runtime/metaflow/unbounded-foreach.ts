import type { Problem } from '../../errors';
import type { FlowGraph } from '../../graph/analyze';
import type { MetaflowStepCommandOptions } from './command';
import { INPUT_PATHS_FILE } from './array-foreach';
import { controlMapperJoinInputsCommand } from './control-mapper-tasks';
import type { MetaflowDeployment } from './deployment';
import { closedSplitOf, isForeachJoin, isUnboundedForeach, unboundedForeachOf } from './step-protocol';

/**
 * A foreach whose body step carries Metaflow's unbounded-foreach test decorator (`@unbounded_test_foreach_internal`),
 * which Metaflow's `step-functions create` refuses. It is compiled as Metaflow's local runtime runs it
 * (`runtime.py` `_queue_task_foreach`, `_queue_task_join`): the body step is ONE Batch job, the control task, and the
 * decorator inside it launches the mapper tasks (`<control id>-<index>`) as processes of that job.
 *
 * - **Split.** Its cardinality is unknown (`_foreach_num_splits` is None), so it runs without
 *   `step_functions_internal`, whose `task_finished` would write `range(None)` to DynamoDB.
 * - **Control task.** `--ubf-context ubf_control` and no split index; its parent is the split task (`$.JobId`).
 *   It runs without Metaflow's `@batch` in the task: that decorator's `task_finished` waits until the step holds exactly
 *   as many tasks as `_control_mapper_tasks` (`_wait_for_mapper_tasks`), which counts the control task too unless it is
 *   mapper zero (as on a multi-node `@parallel` job), so it would fail after 600 s, under Metaflow's own
 *   `run --with batch` too (read from Metaflow 2.19.38's `batch_decorator.py`). The mappers inherit the control task's
 *   command line, hence neither decorator either. Without `@batch` no task copies its local metadata to the
 *   datastore, so an unbounded foreach needs a metadata service.
 * - **Join.** Its parents are the mapper tasks the control task lists in `_control_mapper_tasks`
 *   (`control-mapper-tasks.ts`).
 */

/** The join's variable holding the control task's id (the body job's id, `$.JobId` of its input). */
export const UBF_CONTROL_TASK_ID_ENV = 'MFCDK_UBF_CONTROL_TASK_ID';

/**
 * What the split, the control task and the join of an unbounded foreach need beyond Metaflow's compiler, as command
 * options (`undefined`: the step is none of them).
 */
export function metaflowUnboundedForeachStepOptions(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment): MetaflowStepCommandOptions | undefined {
  const node = graph.nodes.get(stepName)!;
  if (node.type === 'foreach' && isUnboundedForeach(graph, node)) return { stepFunctionsInternal: false };
  if (unboundedForeachOf(graph, node) !== undefined) return { stepFunctionsInternal: false, batchDecorator: false, stepArgs: ['--ubf-context ubf_control'] };
  const split = isForeachJoin(graph, node) ? closedSplitOf(graph, node) : undefined;
  if (split !== undefined && isUnboundedForeach(graph, split)) {
    return {
      inputPathsFile: INPUT_PATHS_FILE,
      joinInputsCommand: controlMapperJoinInputsCommand(graph.document.name, node.inFuncs[0], deployment.datastoreRoot, INPUT_PATHS_FILE, UBF_CONTROL_TASK_ID_ENV),
      envOverrides: { [UBF_CONTROL_TASK_ID_ENV]: '$.JobId' },
    };
  }
  return undefined;
}

function unboundedSteps(graph: FlowGraph): readonly string[] {
  const runtime = graph.document.runtime;
  return runtime?.kind === 'metaflow' ? runtime.unboundedForeachSteps ?? [] : [];
}

const FIELD = '@unbounded_test_foreach_internal';

/** Unbounded-foreach steps this compiler cannot run as Metaflow does, and strategies forced on their foreach. */
export function metaflowUnboundedForeachPlanProblems(graph: FlowGraph, forcedStrategies: Readonly<Record<string, string>> = {}): Problem[] {
  const problems: Problem[] = [];
  for (const name of unboundedSteps(graph)) {
    const node = graph.nodes.get(name);
    const where = `flow "${graph.document.name}" step "${name}"`;
    if (node === undefined) {
      problems.push({ where: `flow "${graph.document.name}"`, field: 'runtime.unboundedForeachSteps', value: name, message: 'names no step of the flow', fix: `name one of ${[...graph.nodes.keys()].join(', ')}` });
      continue;
    }
    const foreach = unboundedForeachOf(graph, node);
    if (foreach === undefined) {
      problems.push({ where, field: FIELD, value: node.inFuncs, message: 'an unbounded-foreach step must be the body of a foreach: only a foreach step may lead to it', fix: `start ${name} with self.next(self.${name}, foreach=...) from one step, or remove ${FIELD}` });
      continue;
    }
    if (node.outFuncs.length !== 1 || node.outFuncs[0] !== foreach.matchingJoin) {
      problems.push({ where, field: FIELD, value: node.outFuncs, message: `its control task runs only this step's mapper tasks, so it must lead straight to the join of foreach "${foreach.name}"`, fix: `call self.next(self.${foreach.matchingJoin ?? '<join>'}) from ${name}, moving later body steps after the join` });
    }
    if (node.step.parallel === true) {
      problems.push({ where, field: FIELD, value: 'parallel', message: 'a step cannot be both @parallel and an unbounded foreach', fix: 'keep one of the two decorators' });
    }
    if (node.step.retry !== undefined || node.step.catch !== undefined) {
      problems.push({ where, field: node.step.retry !== undefined ? '@retry' : '@catch', value: name, message: "Metaflow does not retry an unbounded-foreach control task (the decorator's step_task_retry_count)", fix: `remove @retry and @catch from ${name}` });
    }
    if (forcedStrategies[foreach.name] !== undefined) {
      problems.push({ where: `flow "${graph.document.name}" step "${foreach.name}"`, field: 'foreachStrategy', value: forcedStrategies[foreach.name], message: `foreach "${foreach.name}" is unbounded: its control task runs the splits, so it has no foreach strategy`, fix: `remove "${foreach.name}" from foreachStrategies` });
    }
  }
  return problems;
}

/**
 * What keeps an unbounded foreach from deploying as Metaflow expects in this deployment. Its control task runs
 * without Metaflow's `@batch` (see above), which is what copies a task's local metadata to the datastore
 * (`sync_local_metadata_to_datastore`): with local metadata its tasks would stay unknown to Metaflow's client. And a
 * step whose flow file writes `@batch` (`staticBatchSteps`) would fail in `_wait_for_mapper_tasks`.
 */
export function metaflowUnboundedForeachDeploymentProblems(graph: FlowGraph, deployment: MetaflowDeployment, staticBatchSteps: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const name of unboundedSteps(graph)) {
    const where = `flow "${graph.document.name}" step "${name}"`;
    if (deployment.metadata !== 'service') {
      problems.push({
        where, field: 'metadata', value: deployment.metadata ?? 'local',
        message: "an unbounded foreach's control task and mapper tasks record their metadata through a Metaflow metadata service; with local metadata Metaflow's client would not see them",
        fix: 'give the infrastructure a metadata service (MetaflowInfrastructure metadataService: {}) or the flow one (MetaflowFlow metaflow.serviceUrl)',
      });
    }
    if (staticBatchSteps.includes(name)) {
      problems.push({
        where, field: '@batch', value: name,
        message: "Metaflow's @batch in an unbounded-foreach control task waits for a task count that includes the control task itself (_wait_for_mapper_tasks), so it fails after 600 s",
        fix: `remove @batch from ${name} (set its resources with @resources); the step still runs as a Batch job`,
      });
    }
  }
  return problems;
}
