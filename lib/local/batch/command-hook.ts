import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../../errors';
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
  /**
   * Directory holding the flow file the step commands name (the unpacked code package).
   * @default the code package asset staged in `assemblyDirectory` (`asset.<METAFLOW_CODE_SHA>`)
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
}

/** JSON `{step: width}` for foreaches whose list the stand-in cannot read from the flow file (read by the stand-in script). */
export const STANDIN_FOREACH_WIDTHS_ENV = 'MFCDK_STANDIN_FOREACH_WIDTHS';

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
  return ({ step, command, env }) => {
    if (env.METAFLOW_FLOW_NAME === undefined || command.length !== 3 || command[1] !== '-c' || !/(^|\/)bash$/.test(command[0])) return undefined;
    const codeDir = options.codeDir ?? stagedCodePackage(options.assemblyDirectory!, env, step);
    return { command: [python, STANDIN_STEP_SCRIPT, command[2], codeDir], env: { ...options.env, [STANDIN_DATASTORE_ENV]: options.datastoreDir } };
  };
}

/** The code package of a Metaflow step as `cdk synth` staged it: a directory asset named after its hash. */
export function stagedCodePackage(assemblyDirectory: string, env: Readonly<Record<string, string>>, step: string): string {
  const sha = env.METAFLOW_CODE_SHA;
  const staged = sha === undefined ? undefined : path.join(assemblyDirectory, `asset.${sha}`);
  if (staged === undefined || !fs.statSync(staged, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ValidationError([
      {
        where: `step "${step}" of flow "${env.METAFLOW_FLOW_NAME}"`,
        field: 'METAFLOW_CODE_SHA',
        value: sha,
        message: `the code package is not staged in ${assemblyDirectory}${staged === undefined ? '' : ` (no directory ${path.basename(staged)})`}`,
        fix: 'synthesize the app again without asset staging disabled, or pass the flow\'s directory as codeDir',
      },
    ]);
  }
  return staged;
}
