import type { QueueCapabilities } from '../../constructs/infrastructure/contract';

/** How a foreach fans out (design.md decision 3). */
export type ForeachStrategy = 'array-job' | 'distributed-map' | 'inline-map';

export const FOREACH_STRATEGIES: readonly ForeachStrategy[] = ['array-job', 'distributed-map', 'inline-map'];

/** A queue the compiler may route steps to, as plain data. */
export interface QueueInfo {
  readonly name: string;
  readonly capabilities: QueueCapabilities;
}

/** What the compiler needs beyond the graph; plain data, so it runs without CDK. */
export interface CompileOptions {
  readonly queues: readonly QueueInfo[];
  /** Queue for steps that name none. */
  readonly defaultQueueName: string;
  /** Image for steps that set none. @default none: such steps are a problem */
  readonly image?: string;
  /** Datastore bucket name (a CDK token is fine). */
  readonly datastoreBucket: string;
  /** Datastore key prefix without slashes at either end (e.g. `metaflow`). */
  readonly datastorePrefix: string;
  /** Secret names or ARNs steps may name, mapped to the ARN the job definition uses. @default none allowed */
  readonly secrets?: ReadonlyMap<string, string>;
  /** Force a strategy per foreach step (checked: `array-job` only for linear bodies). @default chosen per foreach */
  readonly foreachStrategies?: Readonly<Record<string, ForeachStrategy>>;
  /** Widest foreach an inline Map may take: with `maxNumSplits` at or below it, nested bodies use an inline Map. @default 40 */
  readonly inlineMapMaxWidth?: number;
  /** Batch attempts added for host terminations and spot reclaims (never counted as user retries). @default 3 */
  readonly hostRetries?: number;
  /** Extra tags on every Batch job. @default none */
  readonly jobTags?: Readonly<Record<string, string>>;
  /** Environment of every job definition (e.g. the metadata service URL for generic steps). @default none */
  readonly jobEnvironment?: Readonly<Record<string, string>>;
  /** Secrets Manager ARNs by variable name, in every job definition (e.g. `METAFLOW_SERVICE_HEADERS`). @default none */
  readonly jobSecrets?: Readonly<Record<string, string>>;
  /** Parameters the flow's schedule passes (`scheduledParameters`): a required one among them needs no default. @default none */
  readonly scheduledParameters?: readonly string[];
  /** Account and region of the flow's stack, when known at synth: a queue named by ARN must be in them. */
  readonly stackEnvironment?: { readonly account: string; readonly region: string };
}

export const DEFAULT_INLINE_MAP_MAX_WIDTH = 40;
export const DEFAULT_HOST_RETRIES = 3;
/** Batch refuses more than 10 attempts. */
export const BATCH_MAX_ATTEMPTS = 10;
/** Batch array jobs have 2 to 10,000 children. */
/** An inline Map state runs at most 40 iterations at once (Step Functions' inline mode), whatever its MaxConcurrency. */
export const INLINE_MAP_MAX_CONCURRENCY = 40;
export const BATCH_MAX_ARRAY_SIZE = 10_000;
/** Batch refuses ContainerOverrides above 8,192 characters. */
export const BATCH_MAX_OVERRIDES_CHARS = 8192;
/** Status reasons Batch gives a job whose host went away (spot reclaim, instance termination). */
export const HOST_TERMINATION_STATUS_REASON = 'Host EC2*';
