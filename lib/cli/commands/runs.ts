import { ExecutionStatus, type ExecutionListItem } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { runIdFromExecutionName } from '../../runtime/naming';
import { resolveFlow } from '../aws/flows';
import { collect } from '../aws/paging';
import { listExecutions } from '../aws/runs';
import { UsageError } from '../cli-error';
import { localRunRoot, withLocalRunsOptions, type LocalRunsOptions } from '../local-runs/options';
import { printLocalRuns } from '../local-runs/runs';
import { durationSeconds, formatDuration, formatTime, isoOrNull } from '../output/format';
import { clientsFor, withAwsOptions, type AwsCommandOptions } from '../output/options';
import { note, out, printJson } from '../output/print';
import { renderTable } from '../output/table';

interface RunsOptions extends AwsCommandOptions, LocalRunsOptions {
  readonly status?: string;
  readonly limit: string;
  readonly stateMachine?: string;
}

const STATUSES = Object.values(ExecutionStatus) as string[];

export function parseStatus(value: string | undefined): ExecutionStatus | undefined {
  if (value === undefined) return undefined;
  const normalized = value.toUpperCase().replace(/-/g, '_');
  if (!STATUSES.includes(normalized)) throw new UsageError(`--status ${JSON.stringify(value)} is not a run status; use one of ${STATUSES.join(', ')}`);
  return normalized as ExecutionStatus;
}

export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit ${JSON.stringify(value)} must be a whole number (0 for all runs)`);
  return limit;
}

/** The `--json` shape of one run. */
export function runJson(execution: ExecutionListItem, now = new Date()) {
  return {
    runId: runIdFromExecutionName(execution.name ?? ''),
    executionArn: execution.executionArn ?? null,
    status: execution.status ?? null,
    startDate: isoOrNull(execution.startDate),
    stopDate: isoOrNull(execution.stopDate),
    durationSeconds: durationSeconds(execution.startDate, execution.stopDate, now),
  };
}

export function register(program: Command): void {
  withLocalRunsOptions(
    withAwsOptions(
      program
        .command('runs')
        .summary('list the runs of a flow')
        .description('list the runs of a flow, newest first, with status, start and duration (with --local: the runs of `run --local`, of every flow when no flow is named)')
        .argument('[flow]', 'flow name')
        .option('--status <status>', `only runs in this status (${STATUSES.join(', ')})`)
        .option('--limit <n>', 'at most this many runs (0: all)', '50')
        .option('--state-machine <arn>', 'the state machine, when a flow name matches several'),
    ),
  ).action(async (flowName: string | undefined, options: RunsOptions) => {
    const status = parseStatus(options.status);
    const limit = parseLimit(options.limit);
    const runRoot = localRunRoot(options, { '--state-machine': options.stateMachine });
    if (runRoot !== undefined) {
      printLocalRuns(runRoot, flowName, { status, limit, json: options.json });
      return;
    }
    if (flowName === undefined) throw new UsageError('runs needs a flow name (`metaflow-cdk flows` lists them); with --local it lists the local runs of every flow');
    const clients = clientsFor(options);
    const flow = await resolveFlow(clients, flowName, options.stateMachine);
    const executions = await collect(listExecutions(clients, flow.stateMachineArn, status, limit));
    const now = new Date();
    const runs = executions.map((execution) => runJson(execution, now));
    if (options.json) {
      printJson({ flow: flow.flow, stateMachineArn: flow.stateMachineArn, runs });
      return;
    }
    if (runs.length === 0) {
      note(`Flow ${flow.flow} has no runs${status ? ` with status ${status}` : ''}. Start one with: metaflow-cdk trigger ${flow.flow}`);
      return;
    }
    out(
      renderTable(executions, [
        { header: 'RUN ID', value: (e) => runIdFromExecutionName(e.name ?? '') },
        { header: 'STATUS', value: (e) => e.status ?? '-' },
        { header: 'STARTED', value: (e) => formatTime(e.startDate) },
        { header: 'STOPPED', value: (e) => formatTime(e.stopDate) },
        { header: 'DURATION', value: (e) => formatDuration(durationSeconds(e.startDate, e.stopDate, now)) },
      ]),
    );
    if (limit && runs.length === limit) note(`Showing the newest ${limit} runs; --limit 0 shows all.`);
  });
}
