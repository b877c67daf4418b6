/**
 * The flow graph document: the one model every part of metaflow-cdk reads.
 * The typed builder produces it, the Python importer emits it as JSON, the validator checks it,
 * the compiler turns it into Batch job definitions and a state machine, and the CLI reads it from files.
 *
 * Units follow Metaflow's decorators so a Metaflow user recognises every number:
 * cpu in vCPUs, memory and shared memory in MiB, ephemeral storage in GiB, timeouts in seconds.
 */

export const FLOW_DOCUMENT_VERSION = 1 as const;

/** What Metaflow's `@batch` and `@resources` set for one step. Every field is optional; flow defaults fill the gaps. */
export interface BatchSettings {
  /** vCPUs (fractions allowed on Fargate: 0.25, 0.5). Metaflow default 1. */
  readonly cpu?: number;
  /** Memory in MiB. Metaflow default 4096. */
  readonly memory?: number;
  /** Number of GPUs. Default 0. */
  readonly gpu?: number;
  /** Container image, e.g. `python:3.12` or an ECR URI. */
  readonly image?: string;
  /** Name of the job queue (one of the infrastructure's queues) or a queue ARN. */
  readonly queue?: string;
  /** IAM role ARN the job assumes (task role). Default: the infrastructure's job role. */
  readonly iamRole?: string;
  /** Execution role ARN (Fargate). Default: the infrastructure's execution role. */
  readonly executionRole?: string;
  /** `/dev/shm` size in MiB. */
  readonly sharedMemory?: number;
  /** Total swap in MiB the container may use (EC2 only). */
  readonly maxSwap?: number;
  /** Swappiness 0-100 (EC2 only). */
  readonly swappiness?: number;
  /** Number of Inferentia chips (inf1/inf2). */
  readonly inferentia?: number;
  /** Number of Trainium chips (trn1). */
  readonly trainium?: number;
  /** Number of EFA devices. */
  readonly efa?: number;
  /** Mount a tmpfs (EC2 only). */
  readonly useTmpfs?: boolean;
  /** Point TMPDIR at the tmpfs. */
  readonly tmpfsTempdir?: boolean;
  /** tmpfs size in MiB. Default: half of memory. */
  readonly tmpfsSize?: number;
  /** tmpfs mount path. Default `/metaflow_temp`. */
  readonly tmpfsPath?: string;
  /** Fargate ephemeral storage in GiB (21-200). */
  readonly ephemeralStorage?: number;
  /** Extra tags on the Batch job. */
  readonly awsBatchTags?: Readonly<Record<string, string>>;
  /** Log driver (awslogs, fluentd, gelf, json-file, journald, logentries, syslog, splunk, awsfirelens). */
  readonly logDriver?: string;
  /** Log driver options as `key:value` strings (Metaflow's form). */
  readonly logOptions?: readonly string[];
  /** Run the container privileged (EC2 only). */
  readonly privileged?: boolean;
}

/** `@retry`. */
export interface RetrySettings {
  /** Retries after the first attempt (Metaflow allows 0-4). */
  readonly times: number;
  /** Minutes to wait between retries. Metaflow ignores it on Step Functions; metaflow-cdk honours it. */
  readonly minutesBetweenRetries?: number;
}

/** `@catch`. */
export interface CatchSettings {
  /** Artifact name that keeps the step's exception; later steps read it. */
  readonly var?: string;
  /** Print the exception to stderr. Default true. */
  readonly printException?: boolean;
}

/** Settings that a step may carry and that flow `defaults` may give to every step. */
export interface StepSettings extends BatchSettings {
  readonly retry?: RetrySettings;
  /**
   * `@timeout`: seconds for one attempt (Metaflow's default is 5 days). At least 60 for a generic step, which Batch
   * times; at least 1 for a Metaflow step, whose task times itself (Batch then gets its minimum, 60).
   */
  readonly timeoutSeconds?: number;
  readonly catch?: CatchSettings;
  /** Secrets Manager secret names or ARNs whose key/values become environment variables. */
  readonly secrets?: readonly string[];
  /** `@environment` variables. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Command a generic step runs (exec form). Ignored for Metaflow flows, which run Metaflow's `step` command. */
  readonly command?: readonly string[];
}

export interface StepSpec extends StepSettings {
  /** Step name: `[a-z0-9_]`, not starting with `_`. */
  readonly name: string;
  /** Names of the next steps. Empty for the end step; two or more for a branch. */
  readonly next: readonly string[];
  /** Foreach split: the artifact (list) the step iterates over. Exactly one `next`. */
  readonly foreach?: string;
  /** Multi-node parallel split: number of nodes of the next step. Exactly one `next`. */
  readonly numParallel?: number;
  /** True for a `@parallel` step (the target of `numParallel`). */
  readonly parallel?: boolean;
  /**
   * Switch: exactly one of `next` runs, the one the step's condition picks at run time (Metaflow's
   * `self.next({...}, condition=...)`). Only a Metaflow flow can switch: the chosen step comes from the task.
   */
  readonly switch?: SwitchSpec;
  /** True for a join step (Metaflow: `def step(self, inputs)`). */
  readonly join?: boolean;
  /** Marks the entry step (Metaflow's `@step(start=True)`). Default: the step named `start`. */
  readonly start?: boolean;
  /** Marks the terminal step (Metaflow's `@step(end=True)`). Default: the step named `end`. */
  readonly end?: boolean;
  /** Free text shown in the diagram and the CLI. */
  readonly doc?: string;
  /** Where the step was declared (Python importer: file and line), used in error messages. */
  readonly source?: SourceLocation;
}

/** Metaflow's split-switch: the artifact that decides and the step each of its values leads to. */
export interface SwitchSpec {
  /** Name of the artifact the step sets (`condition="mode"` reads `self.mode`). */
  readonly condition: string;
  /** Step each value of the condition leads to, as the flow writes the cases (values are steps of `next`). */
  readonly cases: Readonly<Record<string, string>>;
}

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export type ParameterType = 'string' | 'number' | 'boolean' | 'json';

export interface ParameterSpec {
  readonly name: string;
  readonly type: ParameterType;
  /** Default value; a parameter without a default and with `required` must be given at trigger time. */
  readonly default?: unknown;
  readonly required?: boolean;
  /** A `number` parameter that takes whole numbers only (Metaflow's `int`): `2.5` is refused when a run starts. */
  readonly integer?: boolean;
  readonly help?: string;
  /** Where the parameter was declared (Python importer: file and line), used in error messages. */
  readonly source?: SourceLocation;
}

/** `@schedule`: at most one of cron, rate, hourly, daily, weekly; none means daily (Metaflow's default). */
export interface ScheduleSpec {
  /** EventBridge cron expression (6 fields), e.g. `0 12 * * ? *`. */
  readonly cron?: string;
  /** EventBridge rate, e.g. `15 minutes`, `1 hour`, `2 days`. */
  readonly rate?: string;
  readonly hourly?: boolean;
  readonly daily?: boolean;
  readonly weekly?: boolean;
  /** IANA time zone, e.g. `Europe/Berlin`. Default UTC. */
  readonly timezone?: string;
  /** Where the schedule was declared (Python importer: the `@schedule` line), used in error messages. */
  readonly source?: SourceLocation;
}

/** Start a run when an object is created in S3. */
export interface S3TriggerSpec {
  readonly bucket: string;
  /** Key prefix, e.g. `incoming/`. */
  readonly prefix?: string;
  /** Key suffix, e.g. `.csv`. */
  readonly suffix?: string;
  /**
   * Flow parameters the run gets from the object: `{ "input_key": "key" }` sets parameter `input_key` to the object's
   * key (Metaflow's `@trigger(event={..., "parameters": {...}})` mapping of event fields onto parameters).
   * @default none: the object reaches the run only as `Trigger` (and generic steps' `MF_TRIGGER_*`)
   */
  readonly parameters?: Readonly<Record<string, S3TriggerField>>;
  /** Where the trigger was declared (Python importer: the `@trigger` line), used in error messages. */
  readonly source?: SourceLocation;
}

/** What an S3 trigger can hand a flow parameter: the bucket name or the object key of the created object. */
export type S3TriggerField = 'bucket' | 'key';
export const S3_TRIGGER_FIELDS: readonly S3TriggerField[] = ['bucket', 'key'];

/** How the steps run: any image and command, or Metaflow's own `step` command for an imported Python flow. */
export type FlowRuntime =
  | { readonly kind: 'generic' }
  | {
      readonly kind: 'metaflow';
      /** Path of the flow file relative to `directory`. */
      readonly flowFile: string;
      /** The FlowSpec class name. */
      readonly flowClass: string;
      /** Directory shipped as the code package (relative to the document or absolute). */
      readonly directory?: string;
      /** `@project` name. */
      readonly project?: string;
      /**
       * `minutes_between_retries` as the flow file writes it, by step. The steps' `retry` holds Metaflow's default (2)
       * for a bare `@retry`, as Metaflow's graph does; only a written delay makes the state machine wait between retries.
       */
      readonly retryDelayMinutes?: Readonly<Record<string, number>>;
      /**
       * Steps with Metaflow's unbounded-foreach test decorator (`@unbounded_test_foreach_internal`): each is the body
       * of a foreach and runs as one control task that launches its mapper tasks itself (`unbounded-foreach.ts`).
       */
      readonly unboundedForeachSteps?: readonly string[];
      /**
       * How `@secrets` reaches a secret other than with the job role's own grant, by step and secret id: the role it
       * assumes (`role=`) or the region of a bare name (`options={"region": ...}`). Secrets absent here are read by
       * the job role in the stack's region.
       */
      readonly secretAccess?: Readonly<Record<string, Readonly<Record<string, SecretAccess>>>>;
      /**
       * `Config` values as Metaflow evaluated them at synth (`deployTimeEvaluation`), by config name: shipped in the code
       * package's `CONFIG` member, which every task reads instead of evaluating the config again.
       */
      readonly configs?: Readonly<Record<string, MetaflowConfigValue>>;
      /**
       * The files the defaults of `IncludeFile` parameters name, by parameter name, as Metaflow found them at synth
       * (`deployTimeEvaluation`): each ships as an asset, and the parameter's default becomes Metaflow's descriptor
       * of it, which the task reads.
       */
      readonly includeFiles?: Readonly<Record<string, MetaflowIncludedFile>>;
    };

/** The file of an `IncludeFile` default. */
export interface MetaflowIncludedFile {
  /** Absolute path of the file on the deployer's machine. */
  readonly path: string;
  /** False for `is_text=False`: the task gets bytes. */
  readonly isText: boolean;
  /** How the task decodes the text. */
  readonly encoding: string;
}

/** One `Config`'s value; `plain` for a config declared `plain=True` (a value that need not be a dict). */
export interface MetaflowConfigValue {
  readonly value: unknown;
  readonly plain: boolean;
}

/** How a Metaflow task reads one `@secrets` source. */
export interface SecretAccess {
  /** IAM role ARN the task assumes to read the secret (`@secrets(role=...)` or a source's `role`). */
  readonly role?: string;
  /** Region of the secret when given by name (`options={"region": ...}`). */
  readonly region?: string;
}

export interface FlowDocument {
  /** Path or URL of the JSON Schema (optional, for editors). */
  readonly $schema?: string;
  readonly version: typeof FLOW_DOCUMENT_VERSION;
  /** Flow name: letters, digits, `_` and `-`, starting with a letter. */
  readonly name: string;
  readonly doc?: string;
  readonly runtime?: FlowRuntime;
  /** Settings every step gets unless it overrides them (Metaflow's `run --with batch:...`). */
  readonly defaults?: StepSettings;
  readonly parameters?: readonly ParameterSpec[];
  readonly schedule?: ScheduleSpec;
  readonly triggers?: readonly S3TriggerSpec[];
  /** Most tasks of one foreach running at once. Default 16 (Metaflow's `--max-workers`). */
  readonly maxWorkers?: number;
  /** Safeguard: a foreach wider than this fails the run before fan-out. Default 100 (Metaflow's `--max-num-splits`). */
  readonly maxNumSplits?: number;
  /** Seconds a whole run may take. */
  readonly workflowTimeoutSeconds?: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** Steps in declaration order. The first with no incoming transition named `start` is the entry. */
  readonly steps: readonly StepSpec[];
}

/** Node types as Metaflow names them (`metaflow/graph.py`). */
export type NodeType = 'start' | 'linear' | 'split' | 'split-switch' | 'foreach' | 'split-parallel' | 'join' | 'end';

export const METAFLOW_DEFAULT_CPU = 1;
export const METAFLOW_DEFAULT_MEMORY_MIB = 4096;
export const METAFLOW_DEFAULT_TIMEOUT_SECONDS = 5 * 24 * 3600;
export const DEFAULT_MAX_NUM_SPLITS = 100;
export const DEFAULT_MAX_WORKERS = 16;
