import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Matrix } from './matrix';

/** Variable naming the Metaflow source tree whose core suite runs (the folder with metaflow/ and test/core/). */
export const SUITE_ENV = 'MFCDK_METAFLOW_SRC';

/** Bad input to the harness: printed as one line with the fix, exit code 2. */
export class CompatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompatError';
  }
}

/** The suite's Metaflow tree from `--suite` or MFCDK_METAFLOW_SRC; the version check happens in generate.py. */
export function resolveSuite(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = given ?? env[SUITE_ENV];
  if (!raw) {
    throw new CompatError(`no Metaflow suite given: pass --suite <dir> or set ${SUITE_ENV} to a Metaflow 2.19 source tree (the folder with metaflow/ and test/core/, e.g. ../shared/vendor/metaflow)`);
  }
  return path.resolve(raw);
}

export const GENERATOR = path.join(__dirname, 'generate.py');

export interface GenerateOptions {
  readonly suite: string;
  readonly out: string;
  readonly python: string;
  readonly tests?: string;
  readonly graphs?: string;
  readonly context?: string;
  readonly listOnly?: boolean;
}

/** Runs generate.py: writes the flows of the selection and returns the classified matrix. */
export function generateMatrix(options: GenerateOptions): Matrix {
  const args = [GENERATOR, '--suite', options.suite, '--out', options.out, '--context', options.context ?? 'python3-sfn'];
  if (options.tests) args.push('--tests', options.tests);
  if (options.graphs) args.push('--graphs', options.graphs);
  if (options.listOnly) args.push('--list-only');
  fs.mkdirSync(options.out, { recursive: true });
  const result = spawnSync(options.python, args, { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONPATH: '', METAFLOW_HOME: options.out, USERNAME: 'tester' } });
  if (result.error) throw new CompatError(`cannot run ${options.python} (${result.error.message}): pass --python <interpreter with boto3 and requests>, e.g. /usr/bin/python3`);
  if (result.status === 2) throw new CompatError((result.stderr.trim().split('\n').pop() ?? '').replace(/^error: /, ''));
  if (result.status !== 0) {
    const last = result.stderr.trim().split('\n').pop() ?? `exit code ${result.status}`;
    throw new CompatError(`the suite's generator failed importing Metaflow's tests (${last}): check that ${options.python} imports the suite's Metaflow with boto3 and requests`);
  }
  return JSON.parse(result.stdout) as Matrix;
}
