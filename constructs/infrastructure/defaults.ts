import type { ComputeEnvironmentOptions } from '../compute/compute-environment';
import { ComputeEnvironmentPresets } from '../compute/presets';
import type { RunnableWatchdog } from '../queues/job-queue';

/** One queue of `MetaflowInfrastructure`: compute environments by name, in the order Batch tries them. */
export interface MetaflowQueueOptions {
  /** Name steps route by; also the key in the `MetaflowJobQueues` output. */
  readonly name: string;
  /**
   * Scheduling priority (0-1000), distinct per queue.
   * @default - 10 × (number of queues − position), so earlier queues come first
   */
  readonly priority?: number;
  /** Names of compute environments, or `{ computeEnvironment, order }` to set the order explicitly. */
  readonly computeEnvironments: ReadonlyArray<string | { readonly computeEnvironment: string; readonly order: number }>;
  /**
   * RUNNABLE watchdog; `false` turns it off.
   * @default - jobs no environment can place are cancelled after 10 minutes
   */
  readonly runnableWatchdog?: RunnableWatchdog | false;
}

/** What a newcomer gets with zero props. */
export function defaultComputeEnvironments(): Record<string, ComputeEnvironmentOptions> {
  return {
    spot: ComputeEnvironmentPresets.spot(),
    onDemand: ComputeEnvironmentPresets.onDemand(),
    gpu: ComputeEnvironmentPresets.gpu(),
    fargate: ComputeEnvironmentPresets.fargate(),
  };
}

export function defaultQueues(): MetaflowQueueOptions[] {
  return [
    { name: 'cpu', computeEnvironments: ['spot', 'onDemand'] },
    { name: 'gpu', computeEnvironments: ['gpu'] },
    { name: 'fargate', computeEnvironments: ['fargate'] },
  ];
}
