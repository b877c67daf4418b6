import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The stand-in step script: does with a Metaflow step's command and environment what Metaflow's runtime does.
 * It sits next to this module in the source tree; a compiled copy under dist/ finds it in lib/ (tsc copies no .py).
 */
export const STANDIN_STEP_SCRIPT = [path.join(__dirname, 'standin_step.py'), path.resolve(__dirname, '..', '..', '..', '..', 'lib', 'runtime', 'metaflow', 'standin_step.py')].find(
  (candidate) => fs.existsSync(candidate),
) ?? path.join(__dirname, 'standin_step.py');

/** The stand-in's fork server (`standin_server.py`), beside the step script. */
export const STANDIN_SERVER_SCRIPT = path.join(path.dirname(STANDIN_STEP_SCRIPT), 'standin_server.py');

export interface StandinStepRun {
  /** The `bash -c` script of the job (`Command[2]`). */
  readonly script: string;
  /** The job's environment as Batch would set it: the resolved overrides plus `AWS_BATCH_JOB_ID`, `AWS_BATCH_JOB_ATTEMPT`. */
  readonly env: Readonly<Record<string, string>>;
  /** Directory holding the flow file (the unpacked code package). */
  readonly codeDir: string;
  /** Python interpreter. @default `$METAFLOW_CDK_PYTHON` or `python3` */
  readonly python?: string;
}

export interface StandinStepResult {
  readonly exitCode: number;
  readonly stderr: string;
}

/** Runs the stand-in for one task; resolves with its exit code (0 = the task honoured the protocol). */
export function runStandinStep(run: StandinStepRun): Promise<StandinStepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.python ?? process.env.METAFLOW_CDK_PYTHON ?? 'python3', [STANDIN_STEP_SCRIPT, run.script, run.codeDir], {
      env: { PATH: process.env.PATH ?? '', ...run.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf-8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stderr }));
  });
}
