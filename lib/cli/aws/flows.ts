import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand, type DescribeStateMachineCommandOutput } from '@aws-sdk/client-sfn';
import { decodeManifest, type FlowManifest } from '../../runtime/manifest';
import { FLOW_TAGS, METAFLOW_INPUT_STATE } from '../../runtime/naming';
import { CliError } from '../cli-error';
import type { AwsClients } from './clients';
import { collect, paginate } from './paging';
import { withRetry } from './retry';

/** A state machine tagged as a metaflow-cdk flow. */
export interface DeployedFlow {
  readonly flow: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
}

/** A deployed flow with what its definition tells: the manifest is undefined for a state machine metaflow-cdk did not compile. */
export interface FlowDetails extends DeployedFlow {
  readonly manifest?: FlowManifest;
  readonly createdAt?: Date;
  /** Its steps run Metaflow's own job script, which reads the run's parameters as JSON text (`Init.metaflow`). */
  readonly runsMetaflow: boolean;
}

export function stateMachineNameFromArn(arn: string): string {
  const parts = arn.split(':');
  return parts[6] ?? arn;
}

/** Deployed flows found by their tag (all of them, or those named `flowName`), sorted by flow name. */
export async function listFlowStateMachines(clients: AwsClients, flowName?: string): Promise<DeployedFlow[]> {
  const mappings = await collect(
    paginate('tag:GetResources', async (token) => {
      const page = await clients.tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: ['states:stateMachine'],
          TagFilters: [{ Key: FLOW_TAGS.flowName, ...(flowName ? { Values: [flowName] } : {}) }],
          PaginationToken: token,
        }),
      );
      return { items: page.ResourceTagMappingList, next: page.PaginationToken || undefined };
    }),
  );
  const flows: DeployedFlow[] = [];
  for (const mapping of mappings) {
    const arn = mapping.ResourceARN;
    const flow = mapping.Tags?.find((tag) => tag.Key === FLOW_TAGS.flowName)?.Value;
    if (!arn || !flow) continue;
    flows.push({ flow, stateMachineArn: arn, stateMachineName: stateMachineNameFromArn(arn) });
  }
  return flows.sort((a, b) => a.flow.localeCompare(b.flow) || a.stateMachineArn.localeCompare(b.stateMachineArn));
}

export async function describeStateMachine(clients: AwsClients, arn: string): Promise<DescribeStateMachineCommandOutput> {
  return withRetry('states:DescribeStateMachine', () => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })));
}

export function manifestOf(definition: string | undefined): FlowManifest | undefined {
  if (!definition) return undefined;
  try {
    return decodeManifest((JSON.parse(definition) as { Comment?: string }).Comment);
  } catch {
    return undefined;
  }
}

export async function flowDetails(clients: AwsClients, flow: DeployedFlow): Promise<FlowDetails> {
  const described = await describeStateMachine(clients, flow.stateMachineArn);
  return { ...flow, manifest: manifestOf(described.definition), createdAt: described.creationDate, runsMetaflow: runsMetaflow(described.definition) };
}

function runsMetaflow(definition: string | undefined): boolean {
  try {
    return METAFLOW_INPUT_STATE in ((JSON.parse(definition ?? '{}') as { States?: object }).States ?? {});
  } catch {
    return false;
  }
}

function flowListing(flows: readonly DeployedFlow[]): string {
  if (flows.length === 0) return 'no metaflow-cdk flows are deployed in this account and region (check --region/--profile, or deploy one with `metaflow-cdk deploy`)';
  return `deployed flows: ${[...new Set(flows.map((f) => f.flow))].join(', ')}`;
}

/**
 * Finds the one state machine of a flow by its flow tag, or takes `--state-machine ARN` as given.
 * Not found: the error lists the flows that exist. Several: the error lists their ARNs for `--state-machine`.
 */
export async function resolveFlow(clients: AwsClients, flowName: string, stateMachineArn?: string): Promise<FlowDetails> {
  if (stateMachineArn) {
    const described = await describeStateMachine(clients, stateMachineArn).catch((error: unknown) => {
      if (error instanceof Error && error.name === 'StateMachineDoesNotExist') {
        throw new CliError(`state machine ${stateMachineArn} does not exist. Run \`metaflow-cdk flows\` to see the deployed flows.`);
      }
      throw error;
    });
    const manifest = manifestOf(described.definition);
    if (flowName && manifest && manifest.flow !== flowName) {
      throw new CliError(
        `state machine ${stateMachineArn} runs flow "${manifest.flow}", not "${flowName}". ` +
          `Name the flow it runs, or drop --state-machine to find "${flowName}" by name.`,
      );
    }
    return {
      flow: manifest?.flow ?? flowName,
      stateMachineArn,
      stateMachineName: stateMachineNameFromArn(stateMachineArn),
      manifest,
      createdAt: described.creationDate,
      runsMetaflow: runsMetaflow(described.definition),
    };
  }
  // the tagging API lists a deleted state machine for a while after a redeploy replaced it: only existing ones count
  const tagged = await listFlowStateMachines(clients, flowName);
  const matches = (await Promise.all(tagged.map((flow) => existingFlowDetails(clients, flow)))).filter((flow): flow is FlowDetails => flow !== undefined);
  if (matches.length === 0) {
    const all = await listFlowStateMachines(clients);
    throw new CliError(`flow "${flowName}" is not deployed here; ${flowListing(all)}.`);
  }
  if (matches.length > 1) {
    throw new CliError(
      `flow "${flowName}" has ${matches.length} state machines (${matches.map((m) => m.stateMachineArn).join(', ')}); ` +
        'choose one with --state-machine ARN.',
    );
  }
  return matches[0];
}

/** The flow's details, or undefined when its state machine no longer exists. */
export async function existingFlowDetails(clients: AwsClients, flow: DeployedFlow): Promise<FlowDetails | undefined> {
  return flowDetails(clients, flow).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'StateMachineDoesNotExist') return undefined;
    throw error;
  });
}

export { flowListing };
