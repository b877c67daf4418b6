import type { Command } from 'commander';
import { assertCredentials } from '../aws/credentials';
import { CliError } from '../cli-error';
import { repeatable } from '../output/options';
import { runCdk, type CdkCommandOptions, type CdkVerb } from './invoke';

/** The options `synth`, `deploy` and `diff` share; verb-specific ones are added by each command. */
export function cdkCommand(program: Command, verb: CdkVerb, description: string): Command {
  return program
    .command(verb)
    .summary(description)
    .description(`${description} (runs the CDK CLI; other CDK flags are passed through)`)
    .argument('[stacks...]', 'stacks to select (default: as the CDK CLI decides), and extra CDK flags')
    .option('-a, --app <command>', "the CDK app command (default: cdk.json's app)")
    .option('-c, --context <key=value>', 'CDK context value (repeatable)', repeatable)
    .option('--profile <profile>', 'AWS named profile')
    .option('--region <region>', 'AWS region (sets AWS_REGION for the CDK CLI)')
    .option('-o, --output <dir>', 'cloud assembly directory (default: cdk.out)')
    .allowUnknownOption()
    .allowExcessArguments();
}

export function cdkAction(verb: CdkVerb) {
  return async (stacks: string[], options: CdkCommandOptions): Promise<void> => {
    if (verb !== 'synth') await assertCredentials({ profile: options.profile, region: options.region });
    const code = await runCdk(verb, stacks, options);
    if (code !== 0) throw new CliError(`cdk ${verb} exited with code ${code}`, code);
  };
}
