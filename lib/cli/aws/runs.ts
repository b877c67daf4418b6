import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { executionNameFromRunId, runIdFromExecutionName } from '../../runtime/naming';
import { CliError } from '../cli-error';
import type { AwsClients } from './clients';
import { flowListing, listFlowStateMachines, manifestOf, describeStateMachine, resolveFlow, type DeployedFlow } from './flows';
import { collect, paginate } from './paging';
import { withRetry } from './retry';

/** A run found on AWS: its flow, state machine and execution. */
export interface ResolvedRun {
  readonly runId: string;
  readonly flow: string;
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly execution: DescribeExecutionCommandOutput;
}

/** `arn:aws:states:R:A:stateMachine:SM` + name → `arn:aws:states:R:A:execution:SM:name`. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

export function parseExecutionArn(arn: string): { stateMachineArn: string; executionName: string } | undefined {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):([^:]+)$/.exec(arn);
  if (!match) return undefined;
  return { stateMachineArn: `${match[1]}:stateMachine:${match[2]}`, executionName: match[3] };
}

export function runIdOfExecutionArn(arn: string): string {
  return runIdFromExecutionName(arn.split(':').pop() ?? arn);
}

/** Step Functions' rule for execution names (StartExecution `name`). */
function isExecutionName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length >= 1 && name.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExecutionDoesNotExist' || error.name === 'StateMachineDoesNotExist');
}

async function describeExecution(clients: AwsClients, executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await withRetry('states:DescribeExecution', () => clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Executions of a state machine, newest first, across pages. */
export function listExecutions(
  clients: AwsClients,
  stateMachineArn: string,
  statusFilter?: ExecutionStatus,
  limit?: number,
): AsyncGenerator<ExecutionListItem> {
  return paginate(
    'states:ListExecutions',
    async (token) => {
      const page = await clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken: token, maxResults: limit && limit < 1000 ? limit : undefined }),
      );
      return { items: page.executions, next: page.nextToken };
    },
    limit,
  );
}

async function flowOfStateMachine(clients: AwsClients, stateMachineArn: string, fallback?: string): Promise<string> {
  const manifest = manifestOf((await describeStateMachine(clients, stateMachineArn)).definition);
  if (manifest) return manifest.flow;
  const tagged = (await listFlowStateMachines(clients)).find((flow) => flow.stateMachineArn === stateMachineArn);
  return tagged?.flow ?? fallback ?? stateMachineArn.split(':').pop() ?? stateMachineArn;
}

/**
 * Finds a run given as `sfn-<execution name>` (or the bare name) or as an execution ARN.
 * `flowName`/`stateMachineArn` narrow the search; without them every deployed flow is tried.
 */
export async function resolveRun(
  clients: AwsClients,
  run: string,
  scope: { flow?: string; stateMachineArn?: string } = {},
): Promise<ResolvedRun> {
  const parsed = parseExecutionArn(run);
  if (parsed) {
    const execution = await describeExecution(clients, run);
    if (!execution) throw new CliError(`execution ${run} does not exist (check --region/--profile).`);
    const flow = await flowOfStateMachine(clients, parsed.stateMachineArn, scope.flow);
    return { runId: runIdFromExecutionName(parsed.executionName), flow, stateMachineArn: parsed.stateMachineArn, executionArn: run, execution };
  }
  if (run.startsWith('arn:')) throw new CliError(`"${run}" is not a Step Functions execution ARN (arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME).`, 2);

  const executionName = executionNameFromRunId(run);
  const runId = runIdFromExecutionName(executionName);
  if (!isExecutionName(executionName)) {
    throw new CliError(
      `"${run}" is not a run id: a run id is sfn-<execution name>, and an execution name has 1 to 80 characters, none of them ` +
        'a space, a control character or any of <>{}[]?*"#%\\^|~`$&,;:/. `metaflow-cdk runs FLOW` lists the runs of a flow.',
      2,
    );
  }
  const candidates: DeployedFlow[] = scope.flow || scope.stateMachineArn
    ? [await resolveFlow(clients, scope.flow ?? '', scope.stateMachineArn)]
    : await listFlowStateMachines(clients);
  const found: ResolvedRun[] = [];
  for (const candidate of candidates) {
    const executionArn = executionArnFor(candidate.stateMachineArn, executionName);
    const execution = await describeExecution(clients, executionArn);
    if (execution) found.push({ runId, flow: candidate.flow, stateMachineArn: candidate.stateMachineArn, executionArn, execution });
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new CliError(`run ${runId} exists in several flows (${found.map((f) => f.flow).join(', ')}); choose one with --flow FLOW.`);
  }
  if (candidates.length === 1) {
    const recent = await collect(listExecutions(clients, candidates[0].stateMachineArn, undefined, 5));
    const listing = recent.length ? `recent runs: ${recent.map((e) => runIdFromExecutionName(e.name ?? '')).join(', ')}` : 'it has no runs yet';
    throw new CliError(`run ${runId} not found in flow "${candidates[0].flow}"; ${listing} (see \`metaflow-cdk runs ${candidates[0].flow}\`).`);
  }
  throw new CliError(`run ${runId} not found in any deployed flow; ${flowListing(candidates)}. Pass --flow FLOW or the execution ARN.`);
}
