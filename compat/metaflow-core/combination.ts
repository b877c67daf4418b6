import * as fs from 'fs';
import * as path from 'path';
import type { Combination, Matrix } from './matrix';
import { lastLines, runProcess } from './processes';
import type { CombinationResult } from './results';

/** What runs every combination: the checkout's CLI, the suite's Metaflow, the interpreter of tasks and checkers. */
export interface HarnessSetup {
  /** The metaflow-cdk checkout whose `bin/metaflow-cdk.ts` runs the flows. */
  readonly repo: string;
  /** The Metaflow source tree of the suite (holds metaflow/ and test/core/). */
  readonly metaflowSrc: string;
  readonly python: string;
  /** `--max-workers` of every run. */
  readonly maxWorkers: number;
  /** Multiplies the context's `scheduler_timeout` (600 s) for a loaded machine. */
  readonly timeoutScale: number;
  /** Where runs keep logs and the local S3 (one folder per graph). */
  readonly work: string;
  /** Extra arguments of every `run --local` (e.g. the metadata service's). */
  readonly runArgs: readonly string[];
}

/** Servers the checkers read a finished run through (S3 and the metadata service over what the run kept). */
export interface CheckServices {
  /** Variables that point Metaflow's client at them. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface RunLocation {
  readonly runId: string;
  readonly runRoot: string;
  readonly runDir: string;
}

export type StartCheckServices = (run: RunLocation) => Promise<CheckServices>;

/** Run ids are printed by the CLI as `run <id> of <flow>: ...` */
export function runIdOf(output: string, flowName: string): string | undefined {
  const match = new RegExp(`^run (\\S+) of ${flowName}\\b`, 'm').exec(output);
  return match?.[1];
}

/** `PYTHONPATH` as run_tests.py builds it: the suite's test/core (metaflow_test, metaflow_extensions), then Metaflow. */
export function suitePythonPath(matrix: Matrix, setup: HarnessSetup): string {
  return [matrix.suite, setup.metaflowSrc].join(':');
}

/** The `metaflow-cdk run --local` command line of a combination. */
export function runCommand(c: Combination, cdkOut: string, runRoot: string, matrix: Matrix, setup: HarnessSetup): string[] {
  return [
    path.join(setup.repo, 'bin', 'metaflow-cdk.ts'),
    'run', c.flowName, '--local',
    '--cdk-out', cdkOut,
    '--run-root', runRoot,
    '--max-workers', String(setup.maxWorkers),
    '--no-progress',
    ...setup.runArgs,
    ...runParameterArgs(c, matrix),
    ...taskArgs(matrix, setup),
  ];
}

/**
 * The run-time parameter values the context gives (`METAFLOW_RUN_<NAME>`, read by Metaflow's `run` through click's
 * environment variables), as `--param NAME=VALUE` for the parameters the flow declares: what a user triggering the
 * deployed flow passes. Metaflow's own `step-functions trigger` reads `METAFLOW_STEP_FUNCTIONS_TRIGGER_<NAME>`
 * instead, so under python3-sfn itself these values never reach the run (see docs/metaflow-test-suite.md).
 */
export function runParameterArgs(c: Combination, matrix: Matrix): string[] {
  const declared = new Set(c.parameters ?? []);
  return Object.entries(matrix.context.env)
    .filter(([key]) => key.startsWith(RUN_PARAMETER_PREFIX))
    .map(([key, value]) => [key.slice(RUN_PARAMETER_PREFIX.length).toLowerCase(), value] as const)
    .filter(([name]) => declared.has(name))
    .flatMap(([name, value]) => ['--param', `${name}=${value}`]);
}

const RUN_PARAMETER_PREFIX = 'METAFLOW_RUN_';
/** Each checker's limit before `--timeout-scale` (run_tests.py sets none; a hung checker must not stall the matrix). */
const CHECK_TIMEOUT_MS = 600_000;

/** What tasks get: the interpreter with Metaflow and the suite's packages, as the image of a real deployment would. */
export function taskArgs(matrix: Matrix, setup: HarnessSetup): string[] {
  return ['--python', setup.python, '--task-env', `PYTHONPATH=${suitePythonPath(matrix, setup)}`];
}

/**
 * The checkers' environment: the context's variables (user, parameters, `service` metadata, `s3` datastore) with
 * `{nonce}` filled as run_tests.py does, the endpoints replaced by the local ones, and run_tests.py's own additions.
 */
export function checkerEnv(matrix: Matrix, setup: HarnessSetup, services: CheckServices, datastoreRoot: string, home: string): NodeJS.ProcessEnv {
  const nonce = Math.random().toString(16).slice(2);
  const context = Object.fromEntries(Object.entries(matrix.context.env).map(([k, v]) => [k, v.replace(/\{nonce\}/g, nonce)]));
  return {
    USER: process.env.USER ?? 'tester',
    ...context,
    ...services.env,
    METAFLOW_DATASTORE_SYSROOT_S3: datastoreRoot,
    METAFLOW_HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PYTHONIOENCODING: 'utf_8',
    PYTHONPATH: suitePythonPath(matrix, setup),
  };
}

/** The failing task's last exception line, read from the log the CLI names, else the CLI's own last words. */
export function runFailureReason(output: string): string {
  const log = /log: (\S+)/.exec(output.split('\n').filter((l) => l.startsWith('error:')).join('\n'))?.[1];
  if (log && fs.existsSync(log)) {
    // the engine's own lines (`# $ <command>`, `# start job ...`) are not the task's words
    const lines = fs.readFileSync(log, 'utf-8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const reversed = [...lines].reverse();
    // a Python exception line (`module.NameError: message`) says most; else any line that reports a failure
    const exception = reversed.find((l) => /^[\w.]*(Error|Exception|Failed|Interrupt)\b.*:/.test(l)) ?? reversed.find((l) => /(Error|Exception|Failed|failed)\b/.test(l) && !/^File "/.test(l));
    if (exception) return exception;
  }
  const error = output.split('\n').find((l) => l.startsWith('error:'));
  return error ?? lastLines(output);
}

export interface CombinationRun {
  readonly combination: Combination;
  readonly matrix: Matrix;
  readonly setup: HarnessSetup;
  readonly cdkOut: string;
  readonly datastoreRoot: string;
  readonly startCheckServices: StartCheckServices;
  /** Appends the combination's full transcript here. */
  readonly transcript: string;
}

/** Runs one generated flow with `metaflow-cdk run --local`, then Metaflow's checkers over what it left. */
export async function runCombination(input: CombinationRun): Promise<CombinationResult> {
  const { combination: c, matrix, setup } = input;
  const started = Date.now();
  const base = { test: c.test, graph: c.graph, kind: c.kind };
  const log = (text: string): void => fs.appendFileSync(input.transcript, text);
  const runRoot = path.join(setup.work, 'runs', c.graph);
  const tsx = path.join(setup.repo, 'node_modules', '.bin', 'tsx');
  const args = runCommand(c, input.cdkOut, runRoot, matrix, setup);
  log(`$ tsx ${args.join(' ')}\n`);
  const timeoutMs = (matrix.context.scheduler_timeout ?? 600) * 1000 * setup.timeoutScale;
  const run = await runProcess(tsx, args, { cwd: c.directory!, env: { ...process.env, METAFLOW_USER: matrix.context.env.METAFLOW_USER }, timeoutMs, onOutput: log });
  const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;
  const runId = runIdOf(run.output, c.flowName);
  if (run.timedOut) return { ...base, outcome: 'fail', stage: 'run', reason: `the run did not finish within ${timeoutMs / 1000} s`, runId, seconds: seconds() };
  if (!runId) return { ...base, outcome: 'fail', stage: 'run', reason: `the run did not start: ${lastLines(run.output)}`, seconds: seconds() };
  if (run.code !== 0 && !c.shouldFail) return { ...base, outcome: 'fail', stage: 'run', reason: runFailureReason(run.output), runId, seconds: seconds() };
  if (run.code === 0 && c.shouldFail) return { ...base, outcome: 'fail', stage: 'run', reason: 'the flow should have failed but it succeeded', runId, seconds: seconds() };

  const location: RunLocation = { runId, runRoot, runDir: path.join(runRoot, c.flowName, runId) };
  const services = await input.startCheckServices(location);
  try {
    const home = fs.mkdtempSync(path.join(setup.work, 'metaflow-home-'));
    const env = checkerEnv(matrix, setup, services, input.datastoreRoot, home);
    const checkTimeoutMs = CHECK_TIMEOUT_MS * setup.timeoutScale;
    for (const checkName of matrix.context.checks) {
      const check = matrix.checks[checkName];
      const checkArgs = ['check_flow.py', check.class, runId, ...matrix.context.top_options];
      log(`$ ${setup.python} ${checkArgs.join(' ')}\n`);
      const checked = await runProcess(setup.python, checkArgs, { cwd: c.directory!, env, timeoutMs: checkTimeoutMs, onOutput: log });
      if (checked.code !== 0) {
        const why = checked.timedOut ? `did not finish within ${checkTimeoutMs / 1000} s (raise --timeout-scale)` : lastLines(checked.output, 1);
        return { ...base, outcome: 'fail', stage: 'check', reason: `${check.class}: ${why}`, runId, seconds: seconds() };
      }
    }
  } finally {
    await services.stop();
  }
  return { ...base, outcome: 'pass', runId, seconds: seconds() };
}
