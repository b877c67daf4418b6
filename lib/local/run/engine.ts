import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_MAX_WORKERS } from '../../graph/model';
import { EXECUTION_INPUT, runIdFromExecutionName } from '../../runtime/naming';
import { runDistributedMap, DistributedMapInput, ToleratedFailureExceeded } from '../asl/distributed-map';
import { loadInterpreter } from '../asl/interpreter';
import { Execution, Executions } from '../asl/executions';
import { LOCAL_EXECUTION_INPUT_KEY, prepareDefinition, scaledWaits } from '../asl/prepare';
import { taskHandlerFor, TaskHandler, TaskServices } from '../asl/tasks';
import type { LocalCommandHook } from '../batch/command-hook';
import { LocalBatch } from '../batch/runner';
import { codePackageDirOf } from '../batch/staged-code-package';
import { prepareTaskHost, type TaskHostOptions } from '../batch/task-host';
import { assetsReadByJobs, publishAssets } from '../services/job-assets';
import { startLocalAwsFallback, type LocalSecretValues } from '../services/secrets-manager';
import { collectLocalMetadata } from './metaflow-metadata';
import { checkCodeUnchanged, checkSecrets, checkTaskInterpreter, flowSecretIds, metaflowFactsOf } from './metaflow-host-check';
import { prestartLaunchers, ProcessRegistry } from '../process/children';
import { Semaphore } from '../process/semaphore';
import { LocalAws } from '../services/aws';
import { LocalLambda } from '../services/lambda';
import { checkNoServiceNeeded, startRunMetadataService, type RunMetadataServiceOptions } from '../services/metadata/run-hook';
import { startLocalServers } from '../services/servers';
import { findFlow, listFlows } from '../template/flows';
import { Json, LOCAL_PSEUDO } from '../template/tokens';
import { RunRecorder } from './run-record';
import { type Problem, ValidationError } from '../../errors';
import { LocalAssembly } from '../template/assembly';
import { RunStats } from './step-stats';

export interface LocalRunOptions {
  readonly assembly: LocalAssembly;
  readonly flow: string;
  /** Flow parameters, already typed. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Who started the run (`User` of the execution input). @default the OS user */
  readonly user?: string;
  /** Working directory of every step process. @default process.cwd() */
  readonly cwd?: string;
  /** Where runs keep their logs: `<runRoot>/<flow>/<runId>/logs`. @default `<cwd>/.local-runs` */
  readonly runRoot?: string;
  /** Directory of the local S3 server, shared by runs so artifacts persist. @default `<runRoot>/s3` */
  readonly s3Directory?: string;
  /** Most local task processes at once (and most concurrent Distributed Map children). @default 16 */
  readonly maxWorkers?: number;
  /** Multiplies Batch attempt timeouts, so tests can exercise Batch's 60 s minimum in less time. @default 1 */
  readonly attemptTimeoutScale?: number;
  /**
   * Multiplies the pause of every Wait state with a fixed `Seconds` (tests shorten `@retry` delays); the definition
   * keeps its `Seconds`. @default 1
   */
  readonly waitScale?: number;
  /** Called for every state the run enters (Map iterations and child executions included), with its input. */
  readonly onStateEntered?: (state: { name: string; input: Json }) => void;
  /** Aborting it stops the run: every process tree is ended and the servers stop. */
  readonly signal?: AbortSignal;
  /** Receives live task counts. @default a new RunStats */
  readonly stats?: RunStats;
  /**
   * Replaces the command of chosen Batch tasks, e.g. `metaflowStandin(...)` to run Metaflow steps through the
   * protocol-faithful stand-in on a host without Metaflow.
   * @default - every job runs its own command
   */
  readonly commandFor?: LocalCommandHook;
  /**
   * Called when the execution has ended and every step process is gone, while S3 and DynamoDB are still up, so a
   * caller can read what the run left there (the servers keep no data after the run). An error it throws fails the call.
   */
  readonly beforeServersStop?: (run: { s3Endpoint: string; dynamodbEndpoint: string; metadataServiceUrl?: string }) => Promise<void> | void;
  /**
   * The cloud assembly's directory: where staged assets (a Metaflow flow's code package) are read from, and what a
   * Metaflow flow's "code changed since synth" check compares with. @default - no asset is published, no check
   */
  readonly assemblyDirectory?: string;
  /** The interpreter `python` means in tasks, and variables every task gets (`--python`, `--task-env`). @default {} */
  readonly taskHost?: TaskHostOptions;
  /** Values the local Secrets Manager answers `GetSecretValue` with (`--secrets-file`). @default none */
  readonly secrets?: LocalSecretValues;
  /** Receives warnings found before the first task (e.g. a Metaflow version other than the compiled one). */
  readonly onWarning?: (message: string) => void;
  /** Called once the run directory exists and the servers are up. */
  readonly onStart?: (run: { runId: string; runDir: string; s3Endpoint: string; dynamodbEndpoint: string; metadataServiceUrl?: string }) => void;
  /**
   * Runs Metaflow's metadata service (over a PostgreSQL of its own) for the run and points every task at it; a
   * service that stops answering fails the run. @default - no service
   */
  readonly metadataService?: RunMetadataServiceOptions;
}

export interface LocalRunResult {
  readonly flow: string;
  /** As Step Functions names an execution's end; `TIMED_OUT` when the state machine's `TimeoutSeconds` passed. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /**
   * When the run failed because a Distributed Map's children failed past its tolerance: the first failed child's error
   * and cause (e.g. its Batch job), which Step Functions shows in the Map Run.
   */
  readonly childFailure?: { readonly error: string; readonly cause: string };
  readonly runId: string;
  readonly executionName: string;
  readonly runDir: string;
  readonly logsDir: string;
  /** Directory of the local S3 server: objects are `<dir>/<bucket>/<key>._S3rver_object`. */
  readonly s3Directory: string;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly stats: RunStats;
  /** States entered, the way Step Functions counts billed state transitions (no retries counted). */
  readonly stateTransitions: number;
  readonly durationMs: number;
}

/** The flow asked for is not in the synthesized app. */
export class FlowNotFoundError extends Error {
  constructor(readonly flow: string, readonly available: readonly string[]) {
    super(
      `flow "${flow}" is not in the synthesized app. ` +
        (available.length
          ? `Flows: ${available.join(', ')}`
          : 'The app has no flows (no state machine with "metaflow-cdk:flow" metadata): add a MetaflowFlow to it, or point --app / --cdk-out at the app that has the flow.'),
    );
    this.name = 'FlowNotFoundError';
  }
}


/** Starts both at once; when one fails, the other is stopped before the error is thrown. */
async function startRunServers<A extends { stop(): Promise<void> }, B extends { stop(): Promise<void> } | undefined>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a(), b()]);
  if (first.status === 'fulfilled' && second.status === 'fulfilled') return [first.value, second.value];
  await Promise.all([first, second].map((r) => (r.status === 'fulfilled' ? r.value?.stop() : undefined)));
  throw (first.status === 'rejected' ? first.reason : (second as PromiseRejectedResult).reason);
}

/**
 * Runs a flow's synthesized state machine on this machine: Batch jobs as local processes, Lambdas in-process,
 * S3 and DynamoDB on local servers. Resolves with the outcome; it never leaves a process or a server behind.
 */
export async function runLocalFlow(options: LocalRunOptions): Promise<LocalRunResult> {
  const wrong = localRunOptionProblems(options);
  if (wrong.length > 0) throw new ValidationError(wrong);
  const started = Date.now();
  const flow = findFlow(options.assembly, options.flow);
  if (!flow) throw new FlowNotFoundError(options.flow, listFlows(options.assembly));
  const prepared = prepareDefinition(flow.definition);
  const jobTexts = resolvedJobTexts(options.assembly, flow.definition);
  const metaflow = metaflowFactsOf(flow, jobTexts);
  // Bad input stops the run before anything starts (a stand-in run needs no Metaflow, and no secrets).
  if (metaflow && options.assemblyDirectory) checkCodeUnchanged(flow.name, metaflow, options.assemblyDirectory);
  if (metaflow && !options.commandFor) {
    const { warning } = checkTaskInterpreter(metaflow, options.taskHost ?? {});
    if (warning) options.onWarning?.(warning);
    const staged = options.assemblyDirectory ? stagedPackageDir(options.assembly, flow.name, jobTexts) : undefined;
    checkSecrets(flow.name, flowSecretIds(flow.name, metaflow, staged), options.secrets);
    if (!options.metadataService) checkNoServiceNeeded(flow.name, jobTexts);
  }

  const cwd = path.resolve(options.cwd ?? process.cwd());
  const runRoot = path.resolve(options.runRoot ?? path.join(cwd, '.local-runs'));
  const executionName = randomUUID();
  const runId = runIdFromExecutionName(executionName);
  const runDir = path.join(runRoot, flow.name, runId);
  const logsDir = path.join(runDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const stats = options.stats ?? new RunStats();
  const user = options.user ?? os.userInfo().username;
  const recorder = new RunRecorder(runDir, { flow: flow.name, runId, executionName, user, parameters: options.parameters ?? {}, manifestSteps: flow.manifest?.steps ?? [] }, stats);
  recorder.start();
  try {
    const result = await executeRun(options, { started, flow, prepared, jobTexts, metaflow, cwd, runRoot, executionName, runId, runDir, logsDir, stats, user });
    recorder.finish(result);
    return result;
  } catch (error) {
    recorder.finish({ status: 'FAILED', durationMs: Date.now() - started, stateTransitions: stats.stateTransitions, error: 'LocalEngineError', cause: (error as Error).message ?? String(error) });
    throw error;
  }
}

interface RunContext {
  readonly started: number;
  readonly flow: NonNullable<ReturnType<typeof findFlow>>;
  readonly prepared: ReturnType<typeof prepareDefinition>;
  readonly jobTexts: string[];
  readonly metaflow: ReturnType<typeof metaflowFactsOf>;
  readonly cwd: string;
  readonly runRoot: string;
  readonly executionName: string;
  readonly runId: string;
  readonly runDir: string;
  readonly logsDir: string;
  readonly stats: RunStats;
  readonly user: string;
}

/** The run itself, once its folder and record exist: servers, task processes, the execution. */
async function executeRun(options: LocalRunOptions, context: RunContext): Promise<LocalRunResult> {
  const { started, flow, prepared, jobTexts, metaflow, cwd, runRoot, executionName, runId, runDir, logsDir, stats, user } = context;
  const { StateMachine } = loadInterpreter();
  const maxWorkers = Math.max(1, options.maxWorkers ?? DEFAULT_MAX_WORKERS);

  const s3Directory = path.resolve(options.s3Directory ?? path.join(runRoot, 's3'));
  prestartLaunchers(); // they boot while the servers start
  const [servers, metadata] = await startRunServers(
    () => startLocalServers({ s3Directory }),
    async () => (options.metadataService ? startRunMetadataService(options.metadataService, { runDir, flow: flow.name, runId, s3Directory, jobTexts }) : undefined),
  );
  let fallback: Awaited<ReturnType<typeof startLocalAwsFallback>>;
  try {
    fallback = await startLocalAwsFallback(options.secrets);
  } catch (error) {
    await Promise.all([servers.stop(), metadata?.stop()]);
    throw error;
  }
  const registry = new ProcessRegistry();
  const aws = new LocalAws(servers);
  let stopping = false;
  let execution: Execution | undefined;
  let executions: Executions | undefined;
  /** Why the run was stopped when something other than the user stopped it (e.g. the metadata service went away). */
  let failure: { error: string; cause: string } | undefined;
  /** The first failed child of the last Distributed Map that failed past its tolerance. */
  let childFailure: { error: string; cause: string } | undefined;
  const stop = (): void => {
    stopping = true;
    execution?.abort();
    void registry.killAll();
  };
  if (options.signal?.aborted) stopping = true;
  options.signal?.addEventListener('abort', stop, { once: true });
  const unwatch = metadata?.watch((cause) => {
    failure ??= { error: 'MetadataService.Unavailable', cause };
    stop();
  });
  const stopped = (): LocalRunResult => (failure ? finish('FAILED', failure) : finish('ABORTED'));

  const executionArn = `arn:${LOCAL_PSEUDO.partition}:states:${LOCAL_PSEUDO.region}:${LOCAL_PSEUDO.accountId}:execution:${flow.stateMachine.name}:${executionName}`;
  const input: Json = {
    [EXECUTION_INPUT.parameters]: (options.parameters ?? {}) as Json,
    [EXECUTION_INPUT.user]: user,
  };
  const baseContext = {
    StateMachine: { Id: flow.stateMachine.arn, Name: flow.stateMachine.name },
    Execution: { Id: executionArn, Name: executionName, RoleArn: `arn:aws:iam::${LOCAL_PSEUDO.accountId}:role/local` },
  };

  try {
    await aws.createResources(options.assembly);
    await publishAssets(aws.s3, assetsReadByJobs(options.assembly, jobTexts));
    const hostEnv = {
      ...prepareTaskHost(runDir, { s3: servers.s3Endpoint, dynamodb: servers.dynamodbEndpoint, fallback: fallback.endpoint }, options.taskHost ?? {}),
      ...metadata?.env,
    };
    options.onStart?.({ runId, runDir, s3Endpoint: servers.s3Endpoint, dynamodbEndpoint: servers.dynamodbEndpoint, metadataServiceUrl: metadata?.url });
    const batch = new LocalBatch({
      assembly: options.assembly,
      registry,
      workers: new Semaphore(maxWorkers),
      stats,
      cwd,
      runDir,
      baseEnv: servers.env,
      attemptTimeoutScale: options.attemptTimeoutScale,
      commandFor: options.commandFor,
      hostEnv,
      secretValues: options.secrets,
      isStopping: () => stopping,
    });
    const handlers: Record<string, TaskHandler> = {};
    executions = new Executions(StateMachine, handlers, (count) => (stats.stateTransitions = count), {
      waitTimeOverrides: options.waitScale === undefined ? undefined : scaledWaits(prepared.definition, options.waitScale),
      onStateEntered: options.onStateEntered,
    });
    const nested = executions;
    const services: TaskServices = {
      batch,
      lambda: new LocalLambda(options.assembly, servers.env),
      aws,
      background: new Set(),
      distributedMap: (stateName, mapInput) => {
        const plan = prepared.distributedMaps.get(stateName);
        if (!plan) throw new Error(`no Distributed Map plan for ${stateName}`);
        return runDistributedMap(plan, mapInput as unknown as DistributedMapInput, {
          aws,
          maxConcurrency: maxWorkers,
          executionArn,
          selectItem: (template, mapState, index, value) =>
            nested.run(
              { StartAt: 'Select', States: { Select: { Type: 'Pass', Parameters: template, End: true } } },
              mapState,
              { ...baseContext, [LOCAL_EXECUTION_INPUT_KEY]: mapState, Map: { Item: { Index: index, Value: value } } },
              false,
            ),
          runChild: (processor, childInput, childName) =>
            nested.run(processor, childInput, {
              StateMachine: baseContext.StateMachine,
              Execution: { ...baseContext.Execution, Id: `${executionArn}/${childName}`, Name: childName },
              [LOCAL_EXECUTION_INPUT_KEY]: childInput,
            }),
        }).catch((error: unknown) => {
          if (error instanceof ToleratedFailureExceeded && error.firstFailure) childFailure = error.firstFailure;
          throw error;
        });
      },
    };
    const unsupported: string[] = [];
    for (const [stateName, resource] of prepared.tasks) {
      const handler = taskHandlerFor(stateName, resource, services);
      if (handler) handlers[stateName] = handler;
      else unsupported.push(`${stateName} (${resource})`);
    }
    if (unsupported.length) throw new Error(`the local engine cannot run these Task states: ${unsupported.join(', ')}`);

    if (stopping) return stopped();
    const root = executions.start(prepared.definition, input, { ...baseContext, [LOCAL_EXECUTION_INPUT_KEY]: input });
    execution = root;
    const tracking = root.tracked;
    try {
      const output = (await execution.result) as Json;
      await tracking;
      await Promise.all(services.background);
      return stopping ? stopped() : finish('SUCCEEDED', { output });
    } catch (error) {
      // the event log closes when the execution ends: count the last transitions before reporting
      await Promise.race([tracking, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      // the interpreter's errors come from its own realm under jest: compare names, not classes
      const thrown = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
      if (stopping || thrown.name === 'ExecutionAbortedError') return stopped();
      if (thrown.name === 'ExecutionTimeoutError') {
        return finish('TIMED_OUT', { error: 'States.Timeout', cause: `the run took longer than the state machine's TimeoutSeconds (${String(prepared.definition.TimeoutSeconds)} s)` });
      }
      const name = thrown.cause?.name ?? thrown.name ?? 'Error';
      return finish('FAILED', {
        error: name,
        cause: thrown.cause?.message ?? thrown.message ?? String(error),
        ...(name === 'States.ExceedToleratedFailureThreshold' && childFailure ? { childFailure } : {}),
      });
    }
  } finally {
    stopping = true;
    options.signal?.removeEventListener('abort', stop);
    unwatch?.();
    await registry.killAll();
    aws.destroy();
    if (metaflow) collectLocalMetadata(runDir, runRoot);
    try {
      await options.beforeServersStop?.({ s3Endpoint: servers.s3Endpoint, dynamodbEndpoint: servers.dynamodbEndpoint, metadataServiceUrl: metadata?.url });
    } finally {
      await Promise.all([servers.stop(), fallback.stop(), metadata?.stop()]);
    }
  }

  function finish(status: LocalRunResult['status'], extra: { output?: Json; error?: string; cause?: string; childFailure?: LocalRunResult['childFailure'] } = {}): LocalRunResult {
    return {
      flow: flow.name,
      status,
      runId,
      executionName,
      runDir,
      logsDir,
      s3Directory,
      stats,
      stateTransitions: executions?.transitions ?? 0,
      durationMs: Date.now() - started,
      ...extra,
    };
  }
}

/** The flow's definition and the job definitions it names, resolved, as text: where jobs find what they read. */
export function resolvedJobTexts(assembly: LocalAssembly, definition: Json): string[] {
  const text = JSON.stringify(definition);
  const jobs = assembly
    .ofType('AWS::Batch::JobDefinition')
    .filter((job) => text.includes(job.arn) || text.includes(job.name))
    .map((job) => JSON.stringify(assembly.resolve(job.stack, job.properties)));
  return [text, ...jobs];
}

/** The folder of the files of the code package the jobs name (a staged tgz unpacked), when the assembly has it. */
function stagedPackageDir(assembly: LocalAssembly, flowName: string, jobTexts: readonly string[]): string | undefined {
  for (const { asset } of assetsReadByJobs(assembly, jobTexts)) {
    const dir = codePackageDirOf(asset, `flow "${flowName}"`);
    if (dir !== undefined) return dir;
  }
  return undefined;
}

/** Options a JavaScript caller can get wrong, judged before a folder or a server exists. */
function localRunOptionProblems(options: LocalRunOptions | undefined): Problem[] {
  const where = 'runLocalFlow';
  const given = (options ?? {}) as Partial<Record<keyof LocalRunOptions, unknown>>;
  const found: Problem[] = [];
  if (!(given.assembly instanceof LocalAssembly)) {
    found.push({ where, field: 'assembly', value: given.assembly === undefined ? undefined : typeof given.assembly, message: 'must be a LocalAssembly', fix: "pass LocalAssembly.fromDirectory('cdk.out') (a synthesized app)" });
  }
  if (typeof given.flow !== 'string' || given.flow === '') {
    found.push({ where, field: 'flow', value: given.flow, message: 'must be the name of a flow of the app', fix: 'pass the flow name, as `metaflow-cdk flows` or listFlows(assembly) list them' });
  }
  for (const field of ['maxWorkers', 'attemptTimeoutScale', 'waitScale'] as const) {
    const value = given[field];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && (field !== 'maxWorkers' || Number.isInteger(value)))) {
      found.push({ where, field, value, message: field === 'maxWorkers' ? 'must be a whole number of at least 1' : 'must be a number above 0', fix: `pass e.g. ${field}: ${field === 'maxWorkers' ? 4 : 1}` });
    }
  }
  if (given.parameters !== undefined && (typeof given.parameters !== 'object' || given.parameters === null || Array.isArray(given.parameters))) {
    found.push({ where, field: 'parameters', value: given.parameters, message: 'must be an object of parameter name to value', fix: 'pass e.g. parameters: { count: 5 }' });
  }
  return found;
}
