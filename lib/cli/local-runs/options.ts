import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../cli-error';
import type { AwsCommandOptions } from '../output/options';

/** Options of `runs`, `status` and `logs` that read the runs of `run --local` instead of AWS. */
export interface LocalRunsOptions extends AwsCommandOptions {
  readonly local?: boolean;
  readonly runRoot?: string;
  readonly app?: string;
}

export function withLocalRunsOptions(command: Command): Command {
  return command
    .option('--local', 'the runs of `run --local` on this machine, read from their run folders (no AWS call)')
    .option('--run-root <dir>', 'with --local: the run root `run --local` used (default: <app>/.local-runs)')
    .option('--app <dir>', 'with --local: the CDK app whose .local-runs to read (default: the current directory)');
}

/** The run root to read, after refusing options that only apply to AWS or only to local runs. */
export function localRunRoot(options: LocalRunsOptions, awsOnly: Readonly<Record<string, unknown>> = {}): string | undefined {
  if (!options.local) {
    const given = [options.runRoot !== undefined && '--run-root', options.app !== undefined && '--app'].filter(Boolean);
    if (given.length) throw new UsageError(`${given.join(' and ')} ${given.length > 1 ? 'choose' : 'chooses'} where local runs are: add --local, or drop ${given.length > 1 ? 'them' : 'it'} to read runs on AWS`);
    return undefined;
  }
  const aws = Object.entries({ '--region': options.region, '--profile': options.profile, ...awsOnly }).filter(([, value]) => value !== undefined).map(([flag]) => flag);
  if (aws.length) throw new UsageError(`${aws.join(' and ')} ${aws.length > 1 ? 'apply' : 'applies'} to runs on AWS, not to --local runs: drop ${aws.length > 1 ? 'them' : 'it'}`);
  const root = path.resolve(options.runRoot ?? path.join(options.app ?? process.cwd(), '.local-runs'));
  if (!fs.existsSync(root)) {
    throw new CliError(`no local runs: ${root} does not exist. Start one with \`metaflow-cdk run --local FLOW\`, or pass the --run-root (or --app) it used.`);
  }
  if (!fs.statSync(root).isDirectory()) throw new CliError(`--run-root ${root} is a file: pass the folder \`run --local --run-root\` wrote its runs to.`);
  return root;
}
