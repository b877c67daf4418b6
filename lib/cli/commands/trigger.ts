import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { EXECUTION_INPUT } from '../../runtime/naming';
import { resolveFlow } from '../aws/flows';
import { withRetry } from '../aws/retry';
import { runIdOfExecutionArn } from '../aws/runs';
import { metaflowParameterValues } from '../../runtime/metaflow/parameter-values';
import { CliError } from '../cli-error';
import { clientsFor, repeatable, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { writeTextFile } from '../output/files';
import { note, out, printJson } from '../output/print';
import { checkParameters, parseParamArgs, runInputProblem } from '../parameters';
import { currentUser } from '../user';

interface TriggerOptions extends AwsCommandOptions {
  readonly param?: string[];
  readonly stateMachine?: string;
  readonly user?: string;
  readonly runIdFile?: string;
}

export function register(program: Command): void {
  withAwsOptions(
    program
      .command('trigger')
      .summary('start a run of a flow; prints the run id')
      .description("start a run of a deployed flow; checks --param values against the flow's declared parameters first")
      .argument('<flow>', 'flow name (as listed by `metaflow-cdk flows`)')
      .option('-p, --param <name=value>', 'a flow parameter (repeatable); defaults fill the rest', repeatable)
      .option('--state-machine <arn>', 'the state machine to start, when a flow name matches several')
      .option('--user <name>', 'who starts the run (default: METAFLOW_USER, USER)')
      .option('--run-id-file <file>', 'also write the run id to this file'),
  ).action(async (flowName: string, options: TriggerOptions) => {
    const given = parseParamArgs(options.param ?? []);
    const clients = clientsFor(options);
    const flow = await resolveFlow(clients, flowName, options.stateMachine);
    let parameters: Record<string, unknown>;
    if (flow.manifest) {
      parameters = checkParameters(flow.flow, flow.manifest.parameters, given);
      if (flow.runsMetaflow) parameters = metaflowParameterValues(flow.manifest.parameters, parameters);
    } else {
      note(`warning: ${flow.stateMachineArn} has no metaflow-cdk manifest; --param values are sent unchecked, as strings.`);
      parameters = Object.fromEntries(given);
    }
    const user = options.user ?? currentUser();
    const input = JSON.stringify({ [EXECUTION_INPUT.parameters]: parameters, [EXECUTION_INPUT.user]: user });
    const unrunnable = runInputProblem(input, parameters);
    if (unrunnable !== undefined) throw new CliError(unrunnable);
    const started = await withRetry('states:StartExecution', () =>
      clients.sfn.send(new StartExecutionCommand({ stateMachineArn: flow.stateMachineArn, input })),
    );
    const executionArn = started.executionArn as string;
    const runId = runIdOfExecutionArn(executionArn);
    if (options.runIdFile) writeTextFile('--run-id-file', options.runIdFile, runId, `started run ${runId} of flow ${flow.flow}, but `);
    if (options.json) {
      printJson({ flow: flow.flow, runId, executionArn, stateMachineArn: flow.stateMachineArn, startDate: started.startDate?.toISOString() ?? null, user, parameters });
      return;
    }
    note(`Started run ${runId} of flow ${flow.flow} (${executionArn}).`);
    note(`Follow it with: metaflow-cdk status ${runId} --flow ${flow.flow}`);
    out(runId);
  });
}
