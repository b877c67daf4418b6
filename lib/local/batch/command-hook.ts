import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationError } from '../../errors';
import { STANDIN_SERVER_SCRIPT, STANDIN_STEP_SCRIPT } from '../../runtime/metaflow/standin';
import { stagedCodePackage } from './staged-code-package';

export { stagedCodePackage };

/** What a Batch job node would run, as the local engine resolved it (overrides and `Ref::` parameters applied). */
export interface LocalTaskCommand {
  /** The step the job belongs to (Metaflow's step-name parameter, else the state name). */
  readonly step: string;
  readonly command: readonly string[];
  /** The job's environment: base endpoints, job definition and override variables, `AWS_BATCH_*`. */
  readonly env: Readonly<Record<string, string>>;
}

/** A replacement command for one task, with variables added to its environment. */
export interface LocalTaskReplacement {
  readonly command: readonly string[];
  /** @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** Swaps the command a task runs locally; `undefined` keeps the job's own command. */
export type LocalCommandHook = (task: LocalTaskCommand) => LocalTaskReplacement | undefined;

export interface MetaflowStandinOptions {
  /**
   * Directory holding the flow file the step commands name (the unpacked code package).
   * @default the code package asset staged in `assemblyDirectory` (the tgz whose sha1 is `METAFLOW_CODE_SHA`, unpacked)
   */
  readonly codeDir?: string;
  /** The cloud assembly (`cdk.out`) the flow was synthesized into; where the code package asset is staged. */
  readonly assemblyDirectory?: string;
  /** Where the stand-in records tasks: `<dir>/<flow>/<run id>/<step>/<task id>/task.json`. */
  readonly datastoreDir: string;
  /** Python interpreter. @default `$METAFLOW_CDK_PYTHON` or `python3` */
  readonly python?: string;
  /** More variables for the stand-in, e.g. its test-only faults (`MFCDK_STANDIN_FAIL_ATTEMPTS`). @default none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Run every task as a child forked by one stand-in server (`standin_server.py`) instead of a Python start-up per
   * task: the task's process is a `bash` client whose argument vector, environment, working directory and log the
   * forked child takes over. For runs of many thousand tasks. @default false
   */
  readonly forkServer?: boolean;
}

/**
 * The job's command under the fork server: keeps its stdout and stderr as descriptors 4 and 5, sends its pid (the
 * server reads its arguments, environment, cwd and descriptors 4 and 5 from /proc) and exits with the status the
 * forked task ended with.
 */
export const STANDIN_CLIENT = 'exec 3<>"/dev/tcp/127.0.0.1/$MFCDK_STANDIN_PORT" 4>&1 5>&2 || exit 1; echo $$ >&3; read -r code <&3; exit "${code:-1}"';

/** Starts the stand-in's fork server for this process (once); returns its port. */
function standinServerPort(python: string, state: { port?: number }): number {
  if (state.port !== undefined) return state.port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-standin-server-'));
  const portFile = path.join(dir, 'port');
  const server = spawn(python, ['-S', STANDIN_SERVER_SCRIPT, portFile], { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries(['MFCDK_STANDIN_SERVER_TRACE', 'MFCDK_STANDIN_SERVER_PROFILE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))) } });
  server.unref();
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(portFile)) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the stand-in's fork server did not start (${python} ${STANDIN_SERVER_SCRIPT})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  state.port = Number(fs.readFileSync(portFile, 'utf-8'));
  fs.rmSync(dir, { recursive: true, force: true });
  return state.port;
}

/** JSON `{step: width}` for foreaches whose list the stand-in cannot read from the flow file (read by the stand-in script). */
export const STANDIN_FOREACH_WIDTHS_ENV = 'MFCDK_STANDIN_FOREACH_WIDTHS';

/** JSON `{step: case value}` for switches whose condition the stand-in cannot read from the flow file (read by the stand-in script). */
export const STANDIN_SWITCH_CASES_ENV = 'MFCDK_STANDIN_SWITCH_CASES';

/** Environment variable naming the stand-in's datastore directory (read by the stand-in script). */
export const STANDIN_DATASTORE_ENV = 'MFCDK_STANDIN_DATASTORE_DIR';

/**
 * Runs every Metaflow step (a `bash -c` job carrying `METAFLOW_FLOW_NAME`) through the protocol-faithful stand-in
 * instead of Metaflow, which the host need not have: the stand-in gets the job's script and environment unchanged.
 * Jobs of other flows keep their own command.
 */
export function metaflowStandin(options: MetaflowStandinOptions): LocalCommandHook {
  if (options.codeDir === undefined && options.assemblyDirectory === undefined) {
    throw new ValidationError([
      { where: 'metaflowStandin', field: 'codeDir', value: undefined, message: 'the stand-in needs the flow file: no code directory and no cloud assembly given', fix: 'pass codeDir (the flow\'s directory) or assemblyDirectory (the cdk.out the flow was synthesized into)' },
    ]);
  }
  const python = options.python ?? process.env.METAFLOW_CDK_PYTHON ?? 'python3';
  const server: { port?: number } = {};
  return ({ step, command, env }) => {
    if (env.METAFLOW_FLOW_NAME === undefined || command.length !== 3 || command[1] !== '-c' || !/(^|\/)bash$/.test(command[0])) return undefined;
    const codeDir = options.codeDir ?? stagedCodePackage(options.assemblyDirectory!, env, step);
    const standinEnv = { ...options.env, [STANDIN_DATASTORE_ENV]: options.datastoreDir };
    if (options.forkServer === true) {
      return { command: ['bash', '-c', STANDIN_CLIENT, 'standin', command[2], codeDir], env: { ...standinEnv, MFCDK_STANDIN_PORT: String(standinServerPort(python, server)) } };
    }
    return { command: [python, STANDIN_STEP_SCRIPT, command[2], codeDir], env: standinEnv };
  };
}
