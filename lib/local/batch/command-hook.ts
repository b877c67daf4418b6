import { STANDIN_STEP_SCRIPT } from '../../runtime/metaflow/standin';

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
  /** Directory holding the flow file the step commands name (the unpacked code package). */
  readonly codeDir: string;
  /** Where the stand-in records tasks: `<dir>/<flow>/<run id>/<step>/<task id>/task.json`. */
  readonly datastoreDir: string;
  /** Python interpreter. @default `$METAFLOW_CDK_PYTHON` or `python3` */
  readonly python?: string;
  /** More variables for the stand-in, e.g. its test-only faults (`MFCDK_STANDIN_FAIL_ATTEMPTS`). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/** Environment variable naming the stand-in's datastore directory (read by the stand-in script). */
export const STANDIN_DATASTORE_ENV = 'MFCDK_STANDIN_DATASTORE_DIR';

/**
 * Runs every Metaflow step (a `bash -c` job carrying `METAFLOW_FLOW_NAME`) through the protocol-faithful stand-in
 * instead of Metaflow, which the host need not have: the stand-in gets the job's script and environment unchanged.
 * Jobs of other flows keep their own command.
 */
export function metaflowStandin(options: MetaflowStandinOptions): LocalCommandHook {
  const python = options.python ?? process.env.METAFLOW_CDK_PYTHON ?? 'python3';
  return ({ command, env }) => {
    if (env.METAFLOW_FLOW_NAME === undefined || command.length !== 3 || command[1] !== '-c' || !/(^|\/)bash$/.test(command[0])) return undefined;
    return { command: [python, STANDIN_STEP_SCRIPT, command[2], options.codeDir], env: { ...options.env, [STANDIN_DATASTORE_ENV]: options.datastoreDir } };
  };
}
