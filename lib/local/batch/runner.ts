import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LocalAssembly, LocalResource } from '../template/assembly';
import { LOCAL_PSEUDO } from '../template/tokens';
import type { ProcessRegistry } from '../process/children';
import type { Semaphore } from '../process/semaphore';
import type { RunStats } from '../run/step-stats';
import { resolveJob, ResolvedJob, SubmitJobRequest } from './job-spec';
import type { LocalCommandHook, LocalTaskReplacement } from './command-hook';
import { Resubmissions } from './resubmissions';
import { shouldRetry } from './retry-strategy';
import { overridesTooLongReason, submitJobSizeError } from './submit-limits';
import { taskEnvOf } from './task-env';
import { SPLIT_INDEX_HEADER, splitIndexOf } from './log-header';
import { injectedSecretValue, type LocalSecretValues } from '../services/secrets-manager';
import {
  ABORT_STATUS_REASON,
  AttemptResult,
  BatchAttempt,
  BatchJob,
  BatchJobFailed,
  DEPENDENCY_STATUS_REASON,
  MAIN_NODE_EXITED_STATUS_REASON,
  outcomeOf,
  SPOT_RECLAIM_ENV,
} from './status';

export * from './status';

export interface BatchRunnerOptions {
  readonly assembly: LocalAssembly;
  readonly registry: ProcessRegistry;
  readonly workers: Semaphore;
  readonly stats: RunStats;
  /** Working directory of every step process (the CDK app directory). */
  readonly cwd: string;
  /** Run directory: logs go to `<runDir>/logs`. */
  readonly runDir: string;
  /** Endpoints and dummy credentials every step gets. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Multiplies every attempt timeout (tests shorten Batch's 60 s minimum). @default 1 */
  readonly attemptTimeoutScale?: number;
  /** True once the run is being stopped: no new attempts start. */
  readonly isStopping: () => boolean;
  /** Replaces the command of chosen tasks (e.g. Metaflow steps through the stand-in). @default - every job runs its own command */
  readonly commandFor?: LocalCommandHook;
  /**
   * Variables every task gets over its job's own (`prepareTaskHost`: endpoints, credentials, the task interpreter,
   * `--task-env`). @default none
   */
  readonly hostEnv?: Readonly<Record<string, string>>;
  /** Secret values (`--secrets-file`): Batch's injected secrets are set from them. @default none: not injected */
  readonly secretValues?: LocalSecretValues;
}

const { partition, region, accountId } = LOCAL_PSEUDO;

/** Runs `batch:submitJob.sync` requests as local processes with Batch's retry, timeout, array and multi-node rules. */
export class LocalBatch {
  private readonly resubmissions = new Resubmissions();

  constructor(private readonly options: BatchRunnerOptions) {}

  /** Runs the job to completion; resolves with the job, or rejects with `BatchJobFailed`. */
  async submitJobSync(step: string, request: SubmitJobRequest): Promise<BatchJob> {
    const retried = this.resubmissions.retriedBy(request);
    if (retried) this.options.stats.failedTasksRetried(retried.step, retried.failedTasks);
    const { job, failedTasks } = await this.runJob(step, request);
    this.resubmissions.jobFailed(request, step, failedTasks);
    if (job.Status === 'FAILED') throw new BatchJobFailed(job);
    return job;
  }

  /** The job and how many of its tasks ended counted as failed. */
  private async runJob(step: string, request: SubmitJobRequest): Promise<{ job: BatchJob; failedTasks: number }> {
    const definition = this.resolvedDefinition(request.JobDefinition);
    if (!definition) {
      throw Object.assign(new Error(`Job definition ${request.JobDefinition} is not in the synthesized app`), {
        name: 'Batch.ClientException',
      });
    }
    const job = resolveJob(definition, request);
    const jobId = randomUUID();
    const createdAt = Date.now();
    const size = request.ArrayProperties?.Size;
    if (size !== undefined && !(Number.isInteger(size) && size >= 2 && size <= 10000)) {
      throw Object.assign(new Error(`ArrayProperties.Size ${size} is out of range: Batch accepts 2 to 10,000`), {
        name: 'Batch.ClientException',
      });
    }
    const tooLarge = submitJobSizeError(request);
    if (tooLarge !== undefined) throw Object.assign(new Error(tooLarge), { name: 'Batch.ClientException' });
    const base = this.jobSkeleton(jobId, request, job, createdAt);
    const overridesTooLong = overridesTooLongReason(request);
    if (overridesTooLong !== undefined) {
      return { job: this.finish(base, { status: 'FAILED', statusReason: overridesTooLong, attempts: [], startedAt: Date.now(), failedTasks: 0 }), failedTasks: 0 };
    }
    if (size === undefined) {
      const result = await this.runWithRetries({ step, jobId, job, request });
      return { job: this.finish(base, result), failedTasks: result.failedTasks };
    }
    const sequential = (request.DependsOn ?? []).some((d) => d.Type === 'SEQUENTIAL' && !d.JobId);
    let children: JobResult[];
    if (sequential) {
      // Each child depends on the one before it; after a failure Batch fails the rest without running them.
      children = [];
      for (let index = 0; index < size; index++) {
        const previous = children[index - 1];
        children.push(
          previous?.status === 'FAILED'
            ? { status: 'FAILED', statusReason: DEPENDENCY_STATUS_REASON, attempts: [], startedAt: Date.now(), failedTasks: 0 }
            : await this.runWithRetries({ step, jobId: `${jobId}:${index}`, job, request, arrayIndex: index }),
        );
      }
    } else {
      children = await Promise.all(
        Array.from({ length: size }, (_, index) => this.runWithRetries({ step, jobId: `${jobId}:${index}`, job, request, arrayIndex: index })),
      );
    }
    const failed = children.filter((c) => c.status === 'FAILED').length;
    const failedTasks = children.reduce((sum, c) => sum + c.failedTasks, 0);
    const parent: BatchJob = {
      ...base,
      Status: failed === 0 ? 'SUCCEEDED' : 'FAILED',
      StartedAt: Math.min(...children.map((c) => c.startedAt)),
      StoppedAt: Date.now(),
      ArrayProperties: { Size: size, StatusSummary: { SUCCEEDED: size - failed, FAILED: failed } },
      DependsOn: [...(request.DependsOn ?? [])],
    };
    if (failed > 0) {
      const index = children.findIndex((c) => c.status === 'FAILED');
      const container = children[index].attempts[children[index].attempts.length - 1]?.Container;
      const exit = container?.ExitCode !== undefined ? ` (exit code ${container.ExitCode})` : '';
      const log = container?.LogStreamName ? `; log: ${container.LogStreamName}` : '';
      parent.StatusReason = `${failed} of ${size} child jobs failed; first failure: child ${index}: ${children[index].statusReason}${exit}${log}`;
    }
    return { job: parent, failedTasks };
  }

  private readonly dirs = new Set<string>();

  private ensureDir(dir: string): void {
    if (this.dirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.dirs.add(dir);
  }

  private readonly definitions = new Map<string, LocalResource | undefined>();

  /** The job definition with its CloudFormation tokens (bucket names, role ARNs) resolved, once per definition. */
  private resolvedDefinition(arnOrName: string): LocalResource | undefined {
    if (!this.definitions.has(arnOrName)) {
      const found = this.options.assembly.findByArnOrName('AWS::Batch::JobDefinition', arnOrName);
      this.definitions.set(
        arnOrName,
        found && { ...found, properties: this.options.assembly.resolve(found.stack, found.properties) as LocalResource['properties'] },
      );
    }
    return this.definitions.get(arnOrName);
  }

  private jobSkeleton(jobId: string, request: SubmitJobRequest, job: ResolvedJob, createdAt: number): BatchJob {
    const node0 = job.node(0);
    return {
      JobArn: `arn:${partition}:batch:${region}:${accountId}:job/${jobId}`,
      JobId: jobId,
      JobName: request.JobName,
      JobQueue: this.queueArn(request.JobQueue),
      JobDefinition: job.definition.arn,
      Status: 'SUCCEEDED',
      Attempts: [],
      CreatedAt: createdAt,
      StartedAt: createdAt,
      StoppedAt: createdAt,
      Parameters: { ...job.parameters },
      Tags: { ...(request.Tags ?? {}) },
      Container: job.multinode ? undefined : { Image: node0.image, Command: [...node0.command] },
      NodeProperties: job.multinode ? { NumNodes: job.numNodes, MainNode: job.mainNode } : undefined,
      RetryStrategy: job.retryStrategy,
      Timeout: job.attemptDurationSeconds ? { AttemptDurationSeconds: job.attemptDurationSeconds } : undefined,
      PlatformCapabilities: ['EC2'],
      DependsOn: [],
    };
  }

  private finish(base: BatchJob, result: JobResult): BatchJob {
    const last = result.attempts[result.attempts.length - 1];
    const job: BatchJob = {
      ...base,
      Status: result.status,
      StatusReason: result.statusReason,
      Attempts: result.attempts,
      StartedAt: result.startedAt,
      StoppedAt: Date.now(),
      Container: base.Container
        ? { ...base.Container, ExitCode: last?.Container.ExitCode, Reason: last?.Container.Reason, LogStreamName: last?.Container.LogStreamName }
        : undefined,
    };
    return job;
  }

  private queueArn(queue: string): string {
    return this.options.assembly.findByArnOrName('AWS::Batch::JobQueue', queue)?.arn ?? queue;
  }

  private readonly queues = new Map<string, QueueNames>();

  /** The queue's name and its first compute environment's (`AWS_BATCH_JQ_NAME`, `AWS_BATCH_CE_NAME`), once per queue. */
  private queueNames(queue: string): QueueNames {
    let names = this.queues.get(queue);
    if (!names) this.queues.set(queue, (names = this.lookUpQueue(queue)));
    return names;
  }

  private lookUpQueue(queue: string): QueueNames {
    const resource = this.options.assembly.findByArnOrName('AWS::Batch::JobQueue', queue);
    if (!resource) return { queue: queue.split('/').pop() ?? queue, computeEnvironment: 'local', fargate: false };
    const order = resource.properties.ComputeEnvironmentOrder;
    let computeEnvironment = 'local';
    let fargate = false;
    if (Array.isArray(order) && order.length > 0) {
      const first = order[0] as { ComputeEnvironment?: unknown };
      const ref = this.options.assembly.resolve(resource.stack, first.ComputeEnvironment as never);
      if (typeof ref === 'string') {
        computeEnvironment = ref.split('/').pop() ?? ref;
        const environment = this.options.assembly.findByArnOrName('AWS::Batch::ComputeEnvironment', ref);
        const type = (environment?.properties.ComputeResources as { Type?: unknown } | undefined)?.Type;
        fargate = typeof type === 'string' && type.startsWith('FARGATE');
      }
    }
    return { queue: resource.name, computeEnvironment, fargate };
  }

  /** Runs one job (or one array child) through its attempts. */
  private async runWithRetries(task: Task): Promise<JobResult> {
    const { step, job } = task;
    const attempts: BatchAttempt[] = [];
    const tasks = job.multinode ? job.numNodes : 1;
    let startedAt = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.options.isStopping()) {
        return { status: 'FAILED', statusReason: ABORT_STATUS_REASON, attempts, startedAt: startedAt || Date.now(), failedTasks: 0 };
      }
      const outcome = await this.options.workers.use(async () => {
        // queued behind the workers while the run was stopped: never started, so not counted
        if (this.options.isStopping()) return undefined;
        this.options.stats.taskStarted(step, tasks);
        const started = Date.now();
        startedAt ||= started;
        const result = await this.runAttempt(task, attempt);
        attempts.push({
          Container: { ExitCode: result.exitCode, Reason: result.reason, LogStreamName: result.logFile },
          StartedAt: started,
          StoppedAt: Date.now(),
          StatusReason: result.statusReason,
        });
        return result;
      });
      if (!outcome) return { status: 'FAILED', statusReason: ABORT_STATUS_REASON, attempts, startedAt: startedAt || Date.now(), failedTasks: 0 };
      const retry = !outcome.ok && !outcome.final && !this.options.isStopping() && shouldRetry(job.retryStrategy, attempt, outcome);
      let failedTasks = 0;
      // each node of a multi-node job counts as its own task, with its own outcome
      for (const node of outcome.nodes ?? [outcome]) {
        const stopped = node.statusReason === ABORT_STATUS_REASON || node.statusReason === MAIN_NODE_EXITED_STATUS_REASON;
        const counted = stopped ? 'stopped' : node.ok ? 'succeeded' : retry ? 'retried' : 'failed';
        if (counted === 'failed') failedTasks++;
        this.options.stats.taskEnded(step, counted);
      }
      if (outcome.ok) return { status: 'SUCCEEDED', statusReason: outcome.statusReason, attempts, startedAt, failedTasks: 0 };
      if (!retry) return { status: 'FAILED', statusReason: outcome.statusReason, attempts, startedAt, failedTasks };
    }
  }

  /**
   * One attempt: all nodes of a multi-node job run together. As on Batch, the job ends when its main node exits (the
   * nodes still running are stopped) and its outcome is the main node's: a child node failing changes nothing.
   */
  private async runAttempt(task: Task, attempt: number): Promise<AttemptResult & { readonly nodes?: readonly AttemptResult[] }> {
    const { job } = task;
    if (!job.multinode) return this.runNode(task, attempt, undefined);
    const mainExited = new AbortController();
    const results = await Promise.all(
      Array.from({ length: job.numNodes }, (_, node) => {
        const run = this.runNode(task, attempt, node, node === job.mainNode ? undefined : mainExited.signal);
        return node === job.mainNode ? run.finally(() => mainExited.abort()) : run;
      }),
    );
    return { ...(results[job.mainNode] ?? results[0]), nodes: results };
  }

  private async runNode(task: Task, attempt: number, node: number | undefined, stop?: AbortSignal): Promise<AttemptResult> {
    const { step, jobId, job, request, arrayIndex } = task;
    const spec = job.node(node ?? 0);
    const names = this.queueNames(request.JobQueue);
    const suffix = `${arrayIndex !== undefined ? `-${arrayIndex}` : ''}${node !== undefined ? `-node${node}` : ''}-attempt${attempt}`;
    const logDir = path.join(this.options.runDir, 'logs', step.replace(/[^A-Za-z0-9_.-]/g, '_'));
    this.ensureDir(logDir);
    const logFile = path.join(logDir, `${jobId.split(':')[0]}${suffix}.log`);
    const spotMarker = path.join(this.options.runDir, 'spot', `${jobId.replace(':', '-')}${suffix}`);
    this.ensureDir(path.dirname(spotMarker));
    const taskEnv = taskEnvOf(spec.env, this.options.hostEnv);
    const injected = spec.secrets.map((secret) => ({ ...secret, value: injectedSecretValue(secret.valueFrom, this.options.secretValues ?? {}) }));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.homedir(),
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...this.options.baseEnv,
      ...taskEnv.env,
      AWS_BATCH_JOB_ID: node !== undefined ? `${jobId}#${node}` : jobId,
      AWS_BATCH_JOB_ATTEMPT: String(attempt),
      AWS_BATCH_CE_NAME: names.computeEnvironment,
      AWS_BATCH_JQ_NAME: names.queue,
      AWS_EXECUTION_ENV: names.fargate ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
      [SPOT_RECLAIM_ENV]: spotMarker,
    };
    for (const secret of injected) if (secret.value !== undefined) env[secret.name] = secret.value;
    if (arrayIndex !== undefined) env.AWS_BATCH_JOB_ARRAY_INDEX = String(arrayIndex);
    if (node !== undefined) {
      env.AWS_BATCH_JOB_NODE_INDEX = String(node);
      env.AWS_BATCH_JOB_NUM_NODES = String(job.numNodes);
      env.AWS_BATCH_JOB_MAIN_NODE_INDEX = String(job.mainNode);
      env.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS = '127.0.0.1';
    }
    let replacement: LocalTaskReplacement | undefined;
    try {
      replacement = this.options.commandFor?.({ step, command: spec.command, env });
    } catch (error) {
      const reason = `CannotStartContainerError: the run's commandFor hook failed: ${(error as Error).message}`;
      fs.writeFileSync(logFile, `# ${step} job ${env.AWS_BATCH_JOB_ID} attempt ${attempt}\n# ${reason}\n`);
      return { ok: false, final: true, statusReason: reason, logFile };
    }
    const command = replacement?.command ?? spec.command;
    Object.assign(env, replacement?.env);
    // A job that fetches its own code (a Metaflow step) starts, as in a container, in an empty folder of its own, kept
    // for inspection; a generic step's command names files of the app, which stands in for its image.
    let cwd = this.options.cwd;
    if (env.METAFLOW_CODE_URL !== undefined && !replacement) {
      cwd = path.join(this.options.runDir, 'work', step.replace(/[^A-Za-z0-9_.-]/g, '_'), `${jobId.split(':')[0]}${suffix}`);
      fs.mkdirSync(cwd, { recursive: true });
    }
    const split = node === undefined ? splitIndexOf(env, arrayIndex) : undefined;
    const header =
      `# ${step} job ${env.AWS_BATCH_JOB_ID} attempt ${attempt}${spec.image ? ` (image ${spec.image} not run: the command runs on the host)` : ''}\n` +
        (split !== undefined ? `${SPLIT_INDEX_HEADER}${split}\n` : '') +
        (injected.some((s) => s.value === undefined) ? `# secrets not in --secrets-file, left unset: ${injected.filter((s) => s.value === undefined).map((s) => s.name).join(', ')}\n` : '') +
        (taskEnv.replaced.length ? `# set by the local engine over the job's own values: ${taskEnv.replaced.join(', ')}\n` : '') +
        (replacement ? `# the job's command was replaced by the run's commandFor hook\n` : '') +
        (cwd !== this.options.cwd ? `# working directory: ${cwd}\n` : '') +
        `# $ ${command.map((a) => JSON.stringify(a)).join(' ')}\n`;
    if (command.length === 0) {
      fs.writeFileSync(logFile, header);
      return { ok: false, final: true, statusReason: 'CannotStartContainerError: the job has no command', logFile };
    }
    const scale = this.options.attemptTimeoutScale ?? 1;
    const exit = await this.options.registry.run({
      command,
      cwd,
      env,
      logFile,
      logHeader: header,
      timeoutMs: job.attemptDurationSeconds ? job.attemptDurationSeconds * 1000 * scale : undefined,
      signal: stop,
    });
    const spot = fs.existsSync(spotMarker);
    if (spot) fs.rmSync(spotMarker, { force: true });
    return outcomeOf(exit, spot, logFile);
  }
}

/** `AWS_BATCH_JQ_NAME`, `AWS_BATCH_CE_NAME` and whether the queue's first compute environment is Fargate. */
interface QueueNames {
  readonly queue: string;
  readonly computeEnvironment: string;
  readonly fargate: boolean;
}

/** One job, or one child of an array job, as its attempts see it. */
interface Task {
  readonly step: string;
  /** `<parent id>:<index>` for an array child. */
  readonly jobId: string;
  readonly job: ResolvedJob;
  readonly request: SubmitJobRequest;
  readonly arrayIndex?: number;
}

interface JobResult {
  status: 'SUCCEEDED' | 'FAILED';
  statusReason: string;
  attempts: BatchAttempt[];
  startedAt: number;
  /** Tasks of the last attempt counted as failed (a multi-node job's failed nodes). */
  failedTasks: number;
}
