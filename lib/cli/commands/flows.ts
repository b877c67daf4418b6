import type { Command } from 'commander';
import { existingFlowDetails, listFlowStateMachines, type FlowDetails } from '../aws/flows';
import { mapLimit } from '../aws/paging';
import { describeSchedule, describeTrigger } from '../output/describe';
import { formatTime, isoOrNull } from '../output/format';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { note, out, printJson } from '../output/print';
import { renderTable } from '../output/table';

/** The `--json` shape of one flow. */
export function flowJson(details: FlowDetails) {
  return {
    flow: details.flow,
    stateMachineArn: details.stateMachineArn,
    stateMachineName: details.stateMachineName,
    createdAt: isoOrNull(details.createdAt),
    /** False for a tagged state machine whose definition carries no metaflow-cdk manifest. */
    managed: details.manifest !== undefined,
    parameters: details.manifest?.parameters ?? [],
    steps: details.manifest?.steps.map((step) => step.name) ?? [],
    schedule: details.manifest?.schedule ?? null,
    triggers: details.manifest?.triggers ?? [],
  };
}

export function register(program: Command): void {
  withAwsOptions(program.command('flows').summary('list deployed flows').description('list the flows deployed in the account and region, with schedule and triggers')).action(
    async (options: AwsCommandOptions) => {
      const clients = clientsFor(options);
      const flows = await listFlowStateMachines(clients);
      // The tagging API can list a state machine for a while after it was deleted: skip those.
      const found = await mapLimit(flows, 5, (flow) => existingFlowDetails(clients, flow));
      const details = found.filter((d): d is FlowDetails => d !== undefined);
      if (options.json) {
        printJson({ flows: details.map(flowJson) });
        return;
      }
      if (details.length === 0) {
        note('No metaflow-cdk flows are deployed in this account and region (check --region/--profile).');
        return;
      }
      out(
        renderTable(details, [
          { header: 'FLOW', value: (d) => d.flow },
          { header: 'STATE MACHINE', value: (d) => d.stateMachineName },
          { header: 'CREATED', value: (d) => formatTime(d.createdAt) },
          { header: 'PARAMETERS', value: (d) => d.manifest?.parameters.map((p) => p.name).join(', ') || '-' },
          { header: 'SCHEDULE', value: (d) => describeSchedule(d.manifest?.schedule) },
          { header: 'TRIGGERS', value: (d) => d.manifest?.triggers?.map(describeTrigger).join(', ') || '-' },
        ]),
      );
    },
  );
}
