/**
 * Beyond Metaflow's Step Functions deployment: a `@timeout` under Batch's 60-second minimum. Metaflow times `@timeout`
 * in the task (a signal on the user code), but its `@batch` decorator, which `step-functions create` puts on every
 * task (`--with batch:...`), refuses such a timeout before any step runs: `--with` decorates every step of the flow,
 * and the decorator checks each step's timeout when the flow starts, so a task of any step fails. The tasks of such a
 * flow run without that decorator; Batch gets its minimum attempt duration (`metaflowAttemptTimeout`). What the
 * decorator does besides is lost: the Batch facts it records as task metadata (`aws-batch-job-id`, ...), the copy of
 * local metadata to the datastore (so the flow needs a metadata service), and a `@parallel` control task's wait for
 * its workers (so the flow may have no `@parallel` step).
 */

import type { Problem } from '../../errors';
import type { FlowGraph, GraphNode } from '../../graph/analyze';
import type { MetaflowDeployment } from './deployment';
import { BATCH_MIN_ATTEMPT_SECONDS } from './resources';

/** Whether the step's `@timeout` is under Batch's minimum. */
export function hasSubMinuteTimeout(step: GraphNode['step']): boolean {
  return step.timeoutSeconds !== undefined && step.timeoutSeconds < BATCH_MIN_ATTEMPT_SECONDS;
}

/** Whether the flow's tasks run without Metaflow's `@batch`: some step's `@timeout` is under Batch's minimum. */
export function runsWithoutBatchDecorator(graph: FlowGraph): boolean {
  return [...graph.nodes.values()].some((node) => hasSubMinuteTimeout(node.step));
}

/** Why a flow with a sub-minute `@timeout` cannot run without Metaflow's `@batch` in its tasks, with the way out. */
export function subMinuteTimeoutProblems(graph: FlowGraph, deployment: MetaflowDeployment, staticBatchSteps: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const node of graph.nodes.values()) {
    if (!hasSubMinuteTimeout(node.step)) continue;
    const where = `flow "${graph.document.name}" step "${node.name}"${node.step.source ? ` (${node.step.source.file}:${node.step.source.line})` : ''}`;
    const seconds = node.step.timeoutSeconds;
    const longer = `give @timeout at least ${BATCH_MIN_ATTEMPT_SECONDS} seconds`;
    if (staticBatchSteps.includes(node.name)) {
      problems.push({
        where, field: '@timeout', value: seconds,
        message: `@timeout of ${seconds} s is under ${BATCH_MIN_ATTEMPT_SECONDS} seconds, which the step's own @batch refuses when its task starts`,
        fix: `remove @batch from ${node.name} (the step still runs on Batch; set its resources with @resources), or ${longer}`,
      });
    }
    const parallel = [...graph.nodes.values()].find((n) => n.step.parallel === true);
    if (parallel !== undefined) {
      problems.push({
        where, field: '@timeout', value: seconds,
        message: `@timeout of ${seconds} s is under ${BATCH_MIN_ATTEMPT_SECONDS} seconds: the flow's tasks would run without Metaflow's @batch, which the control task of the @parallel step ${parallel.name} needs to wait for its workers`,
        fix: longer,
      });
    }
    if (deployment.metadata !== 'service') {
      problems.push({
        where, field: '@timeout', value: seconds,
        message: `@timeout of ${seconds} s is under ${BATCH_MIN_ATTEMPT_SECONDS} seconds: the flow's tasks run without Metaflow's @batch, which is what copies local metadata to the datastore, so with local metadata Metaflow's client would not see them`,
        fix: `give the infrastructure a metadata service (MetaflowInfrastructure metadataService: {}) or the flow one (MetaflowFlow metaflow.serviceUrl), or ${longer}`,
      });
    }
  }
  return problems;
}
