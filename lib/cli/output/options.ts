import type { Command } from 'commander';
import { createClients, type AwsClients } from '../aws/clients';

/** Options every AWS-calling command takes. */
export interface AwsCommandOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

/** Adds `--region`, `--profile` and `--json` to one command (not to the program, so other commands keep their own flags). */
export function withAwsOptions(command: Command, jsonHelp = 'print JSON for scripts instead of a table'): Command {
  return command
    .option('--region <region>', 'AWS region (default: the standard AWS config chain)')
    .option('--profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default profile)')
    .option('--json', jsonHelp);
}

export function clientsFor(options: AwsCommandOptions): AwsClients {
  return createClients({ region: options.region, profile: options.profile });
}

/** Collects a repeatable option's values (`--param a=1 --param b=2`). */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
