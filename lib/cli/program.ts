import { Command, CommanderError } from 'commander';
import { formatProblem, isValidationError } from '../errors';
import { packageVersion } from '../package-version';
import { explainAwsError } from './aws/errors';
import { CliError, EXIT } from './cli-error';
import { COMMAND_MODULES } from './commands';

export { CliError, UsageError, EXIT } from './cli-error';
export { packageVersion } from '../package-version';

/**
 * The program with the commands `argv` needs: only the named command when the first argument names one (so
 * `--version` and `run` load nothing else), every command otherwise (help, `help CMD`, unknown commands).
 */
export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command('metaflow-cdk')
    .description('Deploy, run and operate Metaflow-style flows on AWS Batch and AWS Step Functions')
    .version(packageVersion(), '-V, --version', 'print the metaflow-cdk version')
    .showHelpAfterError()
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 failure, 2 usage error.\nAWS region and credentials come from the standard chain; ' +
      'commands that call AWS also take --region and --profile.',
  );
  for (const name of commandsFor(argv)) COMMAND_MODULES[name]().register(program);
  return program;
}

function commandsFor(argv: readonly string[]): string[] {
  const [first] = argv;
  if (first === '-V' || first === '--version') return [];
  if (first !== undefined && Object.hasOwn(COMMAND_MODULES, first)) return [first];
  return Object.keys(COMMAND_MODULES);
}

/**
 * `help bogus` as `bogus`: Commander would print the general help for it without naming the mistake, while an unknown
 * command gets "unknown command 'bogus'" and the closest command's name.
 */
function withoutHelpOfUnknownCommand(argv: readonly string[]): string[] {
  const [first, second] = argv;
  const asksHelpOfUnknown =
    first === 'help' && second !== undefined && !second.startsWith('-') && !Object.hasOwn(COMMAND_MODULES, second);
  return asksHelpOfUnknown ? argv.slice(1) : [...argv];
}

/** Runs the CLI and returns the exit code; errors are printed as messages a person can act on, never stack traces. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram(argv);
  // A command may set process.exitCode (e.g. `run --local`); start clean and leave it clean, the caller sets it.
  process.exitCode = undefined;
  try {
    await program.parseAsync(withoutHelpOfUnknownCommand(argv), { from: 'user' });
    const code = process.exitCode;
    return typeof code === 'number' ? code : typeof code === 'string' && code !== '' ? Number(code) : EXIT.ok;
  } catch (error) {
    return reportError(error);
  } finally {
    process.exitCode = undefined;
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (and the help). Help that was asked for (`--help`, `help run`) and
    // `--version` end with exit code 0; every other CommanderError is wrong usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isValidationError(error)) {
    process.stderr.write(`error: ${error.problems.length} problem(s):\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${formatProblem(problem)}\n`);
    return EXIT.failure;
  }
  const explained = error instanceof CliError ? error : explainAwsError(error);
  if (explained) {
    process.stderr.write(`error: ${explained.message}\n`);
    return explained.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.METAFLOW_CDK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}
