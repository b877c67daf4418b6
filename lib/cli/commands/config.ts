import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import type { Command } from 'commander';
import { serviceAuthKeyCommand } from '../../infrastructure/config-export';
import { INFRA_OUTPUTS } from '../../runtime/naming';
import type { AwsClients } from '../aws/clients';
import { collect, paginate } from '../aws/paging';
import { withRetry } from '../aws/retry';
import { CliError } from '../cli-error';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { writeTextFile } from '../output/files';
import { note, out, printJson } from '../output/print';

interface ConfigOptions extends AwsCommandOptions {
  readonly stack?: string;
  readonly output?: string;
}

/**
 * The stack output holding the config JSON. CDK prefixes output ids of nested constructs with their path and
 * a hash (`InfraMetaflowConfigJson1A2B3C4D`), so an output key that contains the name also counts.
 */
export function configOutput(stack: Stack): { key: string; value: string } | undefined {
  const outputs = stack.Outputs ?? [];
  const found =
    outputs.find((o) => o.OutputKey === INFRA_OUTPUTS.configJson) ?? outputs.find((o) => o.OutputKey?.includes(INFRA_OUTPUTS.configJson));
  return found?.OutputKey && found.OutputValue !== undefined ? { key: found.OutputKey, value: found.OutputValue } : undefined;
}

async function findStack(clients: AwsClients, stackName: string | undefined): Promise<Stack> {
  if (stackName) {
    let stacks: Stack[];
    try {
      stacks = (await withRetry('cloudformation:DescribeStacks', () => clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })))).Stacks ?? [];
    } catch (error) {
      if (error instanceof Error && /does not exist/.test(error.message)) {
        throw new CliError(`stack ${stackName} does not exist in this account and region; run \`metaflow-cdk config\` without --stack to find the infrastructure stack.`);
      }
      throw error;
    }
    const stack = stacks[0];
    if (!stack || !configOutput(stack)) {
      throw new CliError(`stack ${stackName} has no ${INFRA_OUTPUTS.configJson} output; is it the stack that contains MetaflowInfrastructure?`);
    }
    return stack;
  }
  const all = await collect(
    paginate('cloudformation:DescribeStacks', async (token) => {
      const page = await clients.cloudFormation.send(new DescribeStacksCommand({ NextToken: token }));
      return { items: page.Stacks, next: page.NextToken };
    }),
  );
  const candidates = all.filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE' && configOutput(stack));
  if (candidates.length === 0) {
    throw new CliError(
      `no stack in this account and region has a ${INFRA_OUTPUTS.configJson} output (searched ${all.length} stack(s)); ` +
        'deploy MetaflowInfrastructure first, or check --region/--profile.',
    );
  }
  if (candidates.length > 1) {
    throw new CliError(`several stacks have a ${INFRA_OUTPUTS.configJson} output (${candidates.map((s) => s.StackName).join(', ')}); choose one with --stack NAME.`);
  }
  return candidates[0];
}

export function register(program: Command): void {
  withAwsOptions(
    program
      .command('config')
      .summary('print the Metaflow config for `metaflow configure import`')
      .description('print the Metaflow config JSON from the infrastructure stack (for `metaflow configure import`)')
      .option('--stack <name>', 'the stack containing MetaflowInfrastructure (default: the one stack with the config output)')
      .option('-o, --output <file>', 'write the config to this file instead of stdout'),
    'print {stackName, outputKey, config, serviceAuthKeySecretArn} instead of the bare config',
  ).action(async (options: ConfigOptions) => {
    const clients = clientsFor(options);
    const stack = await findStack(clients, options.stack);
    const output = configOutput(stack) as { key: string; value: string };
    let config: unknown;
    try {
      config = JSON.parse(output.value);
    } catch {
      throw new CliError(`output ${output.key} of stack ${stack.StackName} is not valid JSON; redeploy the infrastructure stack.`);
    }
    const text = `${JSON.stringify(config, null, 2)}\n`;
    if (options.output) {
      writeTextFile('--output', options.output, text);
      note(`Wrote the Metaflow config of stack ${stack.StackName} to ${options.output}.`);
      note(`Import it with: metaflow configure import ${options.output}`);
    }
    // the API key is a secret, never an output: say where it is, or every call to the metadata service is refused
    const authKeySecret = stack.Outputs?.find((o) => o.OutputKey === INFRA_OUTPUTS.serviceAuthKey)?.OutputValue;
    if (authKeySecret && !options.json) {
      note(`The metadata service requires an API key, which the config leaves out: set METAFLOW_SERVICE_AUTH_KEY (in the config, or the environment) to the output of:\n  ${serviceAuthKeyCommand(authKeySecret)}`);
    }
    if (options.json) printJson({ stackName: stack.StackName ?? null, outputKey: output.key, config, serviceAuthKeySecretArn: authKeySecret ?? null });
    else if (!options.output) out(text);
  });
}
