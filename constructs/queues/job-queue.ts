import { Duration } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { Construct } from 'constructs';
import { ProblemCollector, type Problem, ValidationError } from '../../lib/errors';
import { optionsKindProblems, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { queueCapabilities, runnableWatchdogProblems, validateQueues } from '../../lib/infrastructure/queue-rules';
import type { IMetaflowComputeEnvironment } from '../compute/compute-environment';
import type { MetaflowQueueRef, QueueCapabilities } from '../infrastructure/contract';

/** A compute environment of a queue with its place in the order Batch tries them. */
export interface QueueComputeEnvironment {
  readonly computeEnvironment: IMetaflowComputeEnvironment;
  /**
   * Lower orders are tried first.
   * @default - position in the list, from 1
   */
  readonly order?: number;
}

/** How long a job may wait in RUNNABLE for a given reason before Batch cancels it. */
export interface RunnableWatchdog {
  /**
   * Cancel jobs that no environment of the queue can ever place (they ask for more vCPUs, memory or GPUs than any
   * instance type offers, or more than the environment's max vCPUs).
   * @default Duration.minutes(10)
   */
  readonly misconfigured?: Duration;
  /**
   * Cancel jobs that wait this long because all environments lack capacity (e.g. spot is scarce).
   * @default - never: capacity usually comes back
   */
  readonly insufficientCapacity?: Duration;
}

export interface MetaflowJobQueueProps {
  /** Name the flow compiler routes steps by (`@batch(queue=...)`); not the physical queue name. */
  readonly name: string;
  /**
   * Higher priorities are scheduled first when queues share compute environments (0-1000).
   * @default 1
   */
  readonly priority?: number;
  /** Compute environments in the order Batch tries them, e.g. spot first and on-demand as fallback. */
  readonly computeEnvironments: ReadonlyArray<IMetaflowComputeEnvironment | QueueComputeEnvironment>;
  /**
   * RUNNABLE watchdog (job state time limit actions); `false` lets jobs wait forever, as Metaflow's own queues do.
   * @default - misconfigured jobs are cancelled after 10 minutes
   */
  readonly runnableWatchdog?: RunnableWatchdog | false;
}

/**
 * A Batch job queue over ordered compute environments of one platform, with a RUNNABLE watchdog so a job that can
 * never be placed is cancelled with Batch's reason instead of waiting forever.
 */
export class MetaflowJobQueue extends Construct implements MetaflowQueueRef {
  /** A queue created elsewhere; the compiler trusts `capabilities` for it. */
  static fromJobQueueArn(scope: Construct, id: string, arn: string, options: { name: string; capabilities: QueueCapabilities }): MetaflowQueueRef {
    return { name: options.name, queue: batch.JobQueue.fromJobQueueArn(scope, id, arn), capabilities: options.capabilities };
  }

  readonly name: string;
  readonly queue: batch.JobQueue;
  readonly capabilities: QueueCapabilities;

  constructor(scope: Construct, id: string, props: MetaflowJobQueueProps) {
    super(scope, id);
    const kinds = propKindProblems(this.node.path, props, { name: { kind: 'string', required: true, fix: 'name the queue, e.g. name: "cpu"' }, priority: 'number', computeEnvironments: { kind: 'object list', required: true, fix: 'write e.g. [spot, onDemand], even for one environment' } });
    if (kinds.length > 0) throw new ValidationError(kinds);
    const entries = props.computeEnvironments.map((entry, i) =>
      'computeEnvironment' in entry && !('capabilities' in entry)
        ? { ce: entry.computeEnvironment, order: entry.order ?? i + 1 }
        : { ce: entry as IMetaflowComputeEnvironment, order: i + 1 },
    );
    const names = new Map(entries.map((e) => [e.ce.node.path, e.ce.capabilities]));
    const problems = new ProblemCollector();
    problems.addAll(watchdogProblems(this.node.path, props.runnableWatchdog));
    problems.addAll(
      validateQueues(this.node.path, [
        { name: props.name, priority: props.priority ?? 1, computeEnvironments: entries.map((e) => ({ name: e.ce.node.path, order: e.order })) },
      ], names),
    );
    problems.throwIfAny();

    this.name = props.name;
    this.capabilities = queueCapabilities(entries.map((e) => e.ce.capabilities));
    this.queue = new batch.JobQueue(this, 'Resource', {
      priority: props.priority ?? 1,
      computeEnvironments: entries.map((e) => ({ computeEnvironment: e.ce.computeEnvironment, order: e.order })),
      jobStateTimeLimitActions: props.runnableWatchdog === false ? undefined : watchdogActions(props.runnableWatchdog ?? {}),
    });
  }
}

/** The watchdog's waits against Batch's range, before aws-batch throws without naming the queue. */
export function watchdogProblems(where: string, watchdog: RunnableWatchdog | false | undefined): Problem[] {
  if (watchdog === undefined || watchdog === false) return [];
  // from JavaScript: true, 0 or 'false' would be read as the default watchdog
  const notOptions = optionsKindProblems(where, 'runnableWatchdog', watchdog, 'write e.g. { misconfigured: Duration.minutes(30) }, or false to let jobs wait');
  if (notOptions.length > 0) return notOptions;
  const kinds = propKindProblems(where, watchdog, { misconfigured: 'Duration', insufficientCapacity: 'Duration' });
  if (kinds.length > 0) return kinds.map((p) => ({ ...p, field: `runnableWatchdog.${p.field}` }));
  return runnableWatchdogProblems(where, {
    misconfigured: watchdog.misconfigured?.toSeconds({ integral: false }),
    insufficientCapacity: watchdog.insufficientCapacity?.toSeconds({ integral: false }),
  });
}

function watchdogActions(watchdog: RunnableWatchdog): batch.JobStateTimeLimitAction[] {
  const misconfigured = watchdog.misconfigured ?? Duration.minutes(10);
  const actions: batch.JobStateTimeLimitAction[] = [
    { action: batch.JobStateTimeLimitActionsAction.CANCEL, maxTime: misconfigured, reason: batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT },
    { action: batch.JobStateTimeLimitActionsAction.CANCEL, maxTime: misconfigured, reason: batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE },
  ];
  if (watchdog.insufficientCapacity) {
    actions.push({ action: batch.JobStateTimeLimitActionsAction.CANCEL, maxTime: watchdog.insufficientCapacity, reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY });
  }
  return actions;
}
