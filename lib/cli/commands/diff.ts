import type { Command } from 'commander';
import { cdkAction, cdkCommand } from '../cdk/register';

export function register(program: Command): void {
  cdkCommand(program, 'diff', 'compare the CDK app with what is deployed')
    .option('--all', 'all stacks')
    .option('--fail', 'exit 1 when there are differences')
    .action(cdkAction('diff'));
}
