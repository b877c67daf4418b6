import type { Command } from 'commander';
import { cdkAction, cdkCommand } from '../cdk/register';

export function register(program: Command): void {
  cdkCommand(program, 'synth', 'synthesize the CDK app: CloudFormation templates and state machine definitions')
    .option('-q, --quiet', 'do not print the template')
    .option('--all', 'all stacks')
    .action(cdkAction('synth'));
}
