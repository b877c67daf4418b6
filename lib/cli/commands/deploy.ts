import type { Command } from 'commander';
import { cdkAction, cdkCommand } from '../cdk/register';

export function register(program: Command): void {
  cdkCommand(program, 'deploy', 'deploy the CDK app: infrastructure and flows')
    .option('--all', 'deploy all stacks')
    .option('--require-approval <level>', 'never, any-change or broadening (the CDK default)')
    .option('--outputs-file <file>', 'write the stack outputs to this JSON file')
    .action(cdkAction('deploy'));
}
