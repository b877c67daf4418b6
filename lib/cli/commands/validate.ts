import type { Command } from 'commander';
import { ValidationError } from '../../errors';
import { FlowGraph, analyzeFlow, validateFlow } from '../../graph';
import { scheduleExpression } from '../../graph/rules/schedule';
import { EVALUATE_WITH_OPTION, EXTENSION_DECORATOR_OPTION, FLOW_CLASS_OPTION, loadFlow, type LoadFlowOptions } from '../load-flow';

/** One line that says what a valid flow contains. */
export function summarizeFlow(graph: FlowGraph): string {
  const doc = graph.document;
  const count = (type: string) => [...graph.nodes.values()].filter((n) => n.type === type).length;
  const parts = [
    `${doc.steps.length} step${doc.steps.length === 1 ? '' : 's'}`,
    ...([['split', 'branch', 'branches'], ['foreach', 'foreach', 'foreaches'], ['split-parallel', 'parallel split', 'parallel splits'], ['join', 'join', 'joins']] as const)
      .filter(([type]) => count(type) > 0)
      .map(([type, one, many]) => `${count(type)} ${count(type) === 1 ? one : many}`),
  ];
  if (doc.parameters?.length) parts.push(`${doc.parameters.length} parameter${doc.parameters.length === 1 ? '' : 's'}`);
  if (doc.schedule) parts.push(`schedule ${scheduleExpression(doc.schedule)}${doc.schedule.timezone ? ` ${doc.schedule.timezone}` : ''}`);
  if (doc.triggers?.length) parts.push(`${doc.triggers.length} S3 trigger${doc.triggers.length === 1 ? '' : 's'}`);
  return `flow "${doc.name}" is valid: ${parts.join(', ')}`;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a flow (JSON flow document or Python Metaflow flow file) and print every problem')
    .argument('<file>', 'flow file: .json flow document or .py Metaflow flow')
    .option(...FLOW_CLASS_OPTION)
    .option(...EXTENSION_DECORATOR_OPTION)
    .option(...EVALUATE_WITH_OPTION)
    .action((file: string, flags: LoadFlowOptions) => {
      const doc = loadFlow(file, flags);
      const problems = validateFlow(doc);
      if (problems.length > 0) throw new ValidationError(problems);
      process.stdout.write(`${summarizeFlow(analyzeFlow(doc))}\n`);
    });
}
