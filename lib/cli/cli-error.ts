/** Exit codes scripts can trust. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user caused and can fix: printed without a stack trace, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong use of the command line (exclusive flags, bad `--param` values): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
