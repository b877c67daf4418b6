import { createHash } from 'node:crypto';
import { Problem } from '../errors';
import type { GraphNode } from '../graph/analyze';
import type { StepSpec } from '../graph/model';
import { MIN_TIMEOUT_SECONDS } from '../graph/rules/resources';
import { STEP_ENV } from '../runtime/env';
import { genericStepCommand } from '../runtime/entry-script';
import { FLOW_TAGS } from '../runtime/naming';
import { CompileOptions } from './options';
import { BatchRetryStrategy, RetryMode, batchRetryStrategy } from './retry';
import { stepWhere } from './routing';

export interface LinuxParametersSpec {
  readonly sharedMemorySize?: number;
  readonly maxSwap?: number;
  readonly swappiness?: number;
  readonly tmpfs?: readonly { containerPath: string; size: number; mountOptions: readonly string[] }[];
  readonly devices?: readonly { hostPath: string; containerPath: string; permissions: readonly string[] }[];
}

/** One Batch job definition, as plain data. Role fields are ARNs; undefined means the infrastructure's role. */
export interface JobDefinitionSpec {
  /** Content hash: steps with equal specs share one job definition. */
  readonly key: string;
  readonly type: 'container' | 'multinode';
  readonly platform: 'EC2' | 'FARGATE';
  readonly image: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  readonly jobRoleArn?: string;
  readonly executionRoleArn?: string;
  /** Secrets Manager ARNs by environment variable name. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly linuxParameters?: LinuxParametersSpec;
  readonly privileged?: boolean;
  readonly logDriver?: string;
  readonly logOptions?: Readonly<Record<string, string>>;
  readonly ephemeralStorageGiB?: number;
  /** Multi-node parallel: number of nodes. */
  readonly numNodes?: number;
  /** Multi-node parallel: the node ranges, each with the same container. @default ['0:'] */
  readonly nodeRanges?: readonly string[];
  readonly retryStrategy: BatchRetryStrategy;
  readonly timeoutSeconds: number;
  readonly tags: Readonly<Record<string, string>>;
}

export function hashOf(value: unknown, length = 12): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Env var name of a secret: its name (ARN: the part after `secret:` less the 6-character suffix), upper snake case. */
export function secretEnvName(nameOrArn: string): string {
  const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? nameOrArn : nameOrArn;
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function linuxParameters(step: StepSpec): LinuxParametersSpec | undefined {
  const devices = [
    ...Array.from({ length: Math.max(step.inferentia ?? 0, step.trainium ?? 0) }, (_, i) => `/dev/neuron${i}`),
    ...Array.from({ length: step.efa ?? 0 }, (_, i) => `/dev/infiniband/uverbs${i}`),
  ].map((path) => ({ hostPath: path, containerPath: path, permissions: ['READ', 'WRITE'] }));
  const tmpfs =
    step.useTmpfs || step.tmpfsSize !== undefined
      ? [{ containerPath: step.tmpfsPath ?? '/metaflow_temp', size: step.tmpfsSize ?? Math.floor((step.memory ?? 4096) / 2), mountOptions: ['defaults'] }]
      : undefined;
  const params: LinuxParametersSpec = {
    ...(step.sharedMemory !== undefined ? { sharedMemorySize: step.sharedMemory } : {}),
    ...(step.maxSwap !== undefined ? { maxSwap: step.maxSwap } : {}),
    ...(step.swappiness !== undefined ? { swappiness: step.swappiness } : {}),
    ...(tmpfs ? { tmpfs } : {}),
    ...(devices.length > 0 ? { devices } : {}),
  };
  return Object.keys(params).length > 0 ? params : undefined;
}

function logOptions(options: readonly string[] | undefined): Record<string, string> | undefined {
  if (!options || options.length === 0) return undefined;
  return Object.fromEntries(options.map((o) => [o.slice(0, o.indexOf(':')), o.slice(o.indexOf(':') + 1)]));
}

export interface JobDefinitionInput {
  readonly flow: string;
  readonly node: GraphNode;
  readonly platform: 'EC2' | 'FARGATE';
  readonly retryMode: RetryMode;
  readonly numNodes?: number;
  readonly nodeRanges?: readonly string[];
}

/** The job definition of one step, or the problems that prevent it (missing image or command, unknown secret). */
export function jobDefinitionFor(input: JobDefinitionInput, options: CompileOptions): { spec?: JobDefinitionSpec; problems: Problem[] } {
  const { node, flow } = input;
  const step = node.step;
  const where = stepWhere(flow, node.name);
  const problems: Problem[] = [];
  const image = step.image ?? options.image;
  if (image === undefined || image === '') {
    problems.push({ where, field: 'image', value: image, message: 'the step has no container image', fix: 'set image on the step, in the flow defaults, or as the MetaflowFlow image prop' });
  }
  if (step.command === undefined || step.command.length === 0) {
    problems.push({ where, field: 'command', value: step.command, message: 'a generic step needs a command to run', fix: 'set command (exec form, e.g. ["node", "steps/train.mjs"]) on the step or in the flow defaults' });
  }
  const secrets: Record<string, string> = { ...options.jobSecrets };
  for (const secret of step.secrets ?? []) {
    const arn = options.secrets?.get(secret);
    if (arn === undefined) {
      problems.push({
        where,
        field: 'secrets',
        value: secret,
        message: 'the infrastructure does not grant this secret to jobs',
        fix: `use one of ${[...(options.secrets?.keys() ?? [])].filter((s) => !s.includes('${Token[')).map((s) => `"${s}"`).join(', ') || '(none)'}, or add the secret to the infrastructure`,
      });
    } else if (secrets[secretEnvName(secret)] !== undefined && secrets[secretEnvName(secret)] !== arn) {
      problems.push({ where, field: 'secrets', value: secret, message: `another secret of the step also becomes ${secretEnvName(secret)}, so one of them would be lost`, fix: 'rename one of the secrets, or read it in the step code instead' });
    } else {
      secrets[secretEnvName(secret)] = arn;
    }
  }
  // The job definition sets these itself, over the step's own values.
  const reserved: readonly string[] = Object.values(STEP_ENV);
  for (const name of Object.keys(step.environment ?? {})) {
    if (reserved.includes(name) || name.startsWith(STEP_ENV.parameterPrefix)) {
      problems.push({ where, field: `environment.${name}`, value: name, message: 'metaflow-cdk sets this variable for every step, over the step\'s own value', fix: 'choose a name that does not start with MF_' });
    }
  }
  if (problems.length > 0 || image === undefined || step.command === undefined) return { problems };

  const root = `s3://${options.datastoreBucket}/${options.datastorePrefix}`.replace(/\/+$/, '');
  const environment = sorted({
    ...options.jobEnvironment,
    ...(step.environment ?? {}),
    [STEP_ENV.flowName]: flow,
    [STEP_ENV.datastoreRoot]: root,
    [STEP_ENV.datastoreBucket]: options.datastoreBucket,
    [STEP_ENV.datastorePrefix]: options.datastorePrefix,
  });
  const fargate = input.platform === 'FARGATE';
  const body: Omit<JobDefinitionSpec, 'key'> = {
    type: input.numNodes !== undefined ? 'multinode' : 'container',
    platform: input.platform,
    image,
    command: genericStepCommand(step.command),
    environment,
    vcpus: step.cpu ?? 1,
    memoryMiB: step.memory ?? 4096,
    gpus: step.gpu ?? 0,
    ...(step.iamRole ? { jobRoleArn: step.iamRole } : {}),
    ...(step.executionRole ? { executionRoleArn: step.executionRole } : {}),
    secrets: sorted(secrets),
    ...(fargate ? {} : { linuxParameters: linuxParameters(step) }),
    ...(step.privileged ? { privileged: true } : {}),
    ...(step.logDriver ? { logDriver: step.logDriver, logOptions: logOptions(step.logOptions) } : {}),
    ...(fargate && step.ephemeralStorage !== undefined ? { ephemeralStorageGiB: step.ephemeralStorage } : {}),
    ...(input.numNodes !== undefined ? { numNodes: input.numNodes } : {}),
    ...(input.numNodes !== undefined && input.nodeRanges !== undefined ? { nodeRanges: [...input.nodeRanges] } : {}),
    retryStrategy: batchRetryStrategy(step, input.retryMode, options.hostRetries ?? 3),
    // A Metaflow step's @timeout under Batch's minimum is timed in its task (metaflowAttemptTimeout).
    timeoutSeconds: Math.max(step.timeoutSeconds ?? 5 * 24 * 3600, MIN_TIMEOUT_SECONDS),
    tags: sorted({ ...(step.awsBatchTags ?? {}), [FLOW_TAGS.flowName]: flow }),
  };
  const clean = JSON.parse(JSON.stringify(body)) as Omit<JobDefinitionSpec, 'key'>;
  return { spec: { key: hashOf(clean), ...clean }, problems };
}
