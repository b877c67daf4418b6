import type { Command } from 'commander';
import { foreachStrategyLine } from '../../compile/foreach-strategy';
import { assertValidFlow } from '../../graph';
import { DiagramOptions, renderMermaid } from '../../graph/diagram';
import { formatFlowDocument } from '../../graph/document';
import { EVALUATE_WITH_OPTION, EXTENSION_DECORATOR_OPTION, FLOW_CLASS_OPTION, loadFlow, type LoadFlowOptions } from '../load-flow';

export interface GraphCommandOptions {
  /** An extra line per node of the diagram (e.g. the compiler's foreach strategy); see `DiagramOptions.annotate`. */
  readonly annotate?: DiagramOptions['annotate'];
}

/** The output of `metaflow-cdk graph`: the Mermaid diagram, or with `json` the normalized flow document. */
export function renderGraphOutput(file: string, json: boolean, options: GraphCommandOptions & LoadFlowOptions = {}): string {
  const doc = loadFlow(file, { flowClass: options.flowClass, extensionDecorator: options.extensionDecorator, evaluateWith: options.evaluateWith });
  const graph = assertValidFlow(doc);
  return json ? formatFlowDocument(doc) : renderMermaid(graph, { annotate: options.annotate });
}

/** `register` with options: `createGraphCommand({ annotate })` lets the compiler add its foreach strategy line. */
export function createGraphCommand(options: GraphCommandOptions = {}): (program: Command) => void {
  return (program) => {
    program
      .command('graph')
      .description('print a flow as a Mermaid flowchart, or with --json as the normalized JSON flow document')
      .argument('<file>', 'flow file: .json flow document or .py Metaflow flow')
      .option('--json', 'print the normalized JSON flow document instead of the diagram')
      .option(...FLOW_CLASS_OPTION)
      .option(...EXTENSION_DECORATOR_OPTION)
      .option(...EVALUATE_WITH_OPTION)
      .action((file: string, flags: { json?: boolean } & LoadFlowOptions) => {
        process.stdout.write(renderGraphOutput(file, flags.json === true, { ...options, flowClass: flags.flowClass, extensionDecorator: flags.extensionDecorator, evaluateWith: flags.evaluateWith }));
      });
  };
}

/** Each foreach node shows the strategy the compiler would choose for it (with default compile options). */
export const register = createGraphCommand({ annotate: (node, graph) => foreachStrategyLine(node, graph) });
