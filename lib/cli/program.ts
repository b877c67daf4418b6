import { Command, CommanderError } from 'commander';
import { formatProblem, isValidationError } from '../errors';
import { COMMAND_MODULES } from './commands';

export function buildProgram(): Command {
  const program = new Command('metaflow-cdk')
    .description('Deploy, run and operate Metaflow-style flows on AWS Batch and AWS Step Functions')
    .showHelpAfterError()
    .exitOverride();
  for (const load of COMMAND_MODULES) load().register(program);
  return program;
}

/** A failure the user caused and can fix: printed without a stack trace, with its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Runs the CLI and returns the exit code; errors are printed as messages a person can act on, never stack traces. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : error.exitCode || 2;
  }
  if (isValidationError(error)) {
    process.stderr.write(`error: ${error.problems.length} problem(s):\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${formatProblem(problem)}\n`);
    return 1;
  }
  if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.METAFLOW_CDK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}
