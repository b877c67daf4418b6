import { spawn } from 'node:child_process';

export type CdkVerb = 'synth' | 'deploy' | 'diff';

/** Options of `metaflow-cdk synth|deploy|diff` that map onto the CDK CLI. */
export interface CdkCommandOptions {
  readonly app?: string;
  readonly context?: readonly string[];
  readonly profile?: string;
  readonly region?: string;
  readonly all?: boolean;
  readonly output?: string;
  readonly quiet?: boolean;
  readonly requireApproval?: string;
  readonly outputsFile?: string;
  readonly fail?: boolean;
}

/**
 * The CDK CLI arguments for one verb: stacks and any unrecognised flags are passed through as given
 * (e.g. `deploy MyStack --hotswap`), so every CDK option stays reachable.
 */
export function buildCdkArgs(verb: CdkVerb, passthrough: readonly string[], options: CdkCommandOptions): string[] {
  const args: string[] = [verb];
  if (options.app) args.push('--app', options.app);
  for (const pair of options.context ?? []) args.push('--context', pair);
  if (options.profile) args.push('--profile', options.profile);
  if (options.output) args.push('--output', options.output);
  if (options.all) args.push('--all');
  if (verb === 'synth' && options.quiet) args.push('--quiet');
  if (verb === 'deploy' && options.requireApproval) args.push('--require-approval', options.requireApproval);
  if (verb === 'deploy' && options.outputsFile) args.push('--outputs-file', options.outputsFile);
  if (verb === 'diff' && options.fail) args.push('--fail');
  args.push(...passthrough);
  return args;
}

/** The child's environment: `--region` becomes AWS_REGION (the CDK CLI has no region flag). */
export function cdkEnv(options: CdkCommandOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return options.region ? { ...base, AWS_REGION: options.region, AWS_DEFAULT_REGION: options.region } : { ...base };
}

/** How to start the CDK CLI: the project's own `aws-cdk` (pinned 2.x) when installed, else `npx cdk`. */
export function cdkCommand(resolve: (id: string) => string = require.resolve): { command: string; prefix: string[] } {
  try {
    return { command: process.execPath, prefix: [resolve('aws-cdk/bin/cdk')] };
  } catch {
    return { command: process.platform === 'win32' ? 'npx.cmd' : 'npx', prefix: ['--yes', 'aws-cdk@2', '--'] };
  }
}

export type CdkRunner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** Runs the CDK CLI with inherited stdio (its prompts and progress stay interactive) and resolves its exit code. */
export const spawnRunner: CdkRunner = (command, args, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  });

let runner: CdkRunner = spawnRunner;

/** Tests replace the runner to check the arguments without starting CDK; `undefined` restores spawning. */
export function setCdkRunner(next: CdkRunner | undefined): void {
  runner = next ?? spawnRunner;
}

export async function runCdk(verb: CdkVerb, passthrough: readonly string[], options: CdkCommandOptions): Promise<number> {
  const { command, prefix } = cdkCommand();
  return runner(command, [...prefix, ...buildCdkArgs(verb, passthrough, options)], cdkEnv(options));
}
