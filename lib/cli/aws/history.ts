import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import type { AwsClients } from './clients';
import { collect, paginate } from './paging';

export async function executionHistory(clients: AwsClients, executionArn: string): Promise<HistoryEvent[]> {
  return collect(
    paginate('states:GetExecutionHistory', async (token) => {
      const page = await clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken: token, maxResults: 1000, includeExecutionData: true }),
      );
      return { items: page.events, next: page.nextToken };
    }),
  );
}

/** The `JobId` in a Batch task event's output or cause (SubmitJob response or the `.sync` job description). */
function jobIdIn(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { JobId?: unknown; jobId?: unknown };
    const id = parsed.JobId ?? parsed.jobId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Ids of every Batch job the execution's Task states submitted, in order. */
export function batchJobIdsInHistory(events: readonly HistoryEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    const candidates = [
      event.taskSubmittedEventDetails?.resourceType === 'batch' ? event.taskSubmittedEventDetails.output : undefined,
      event.taskSucceededEventDetails?.resourceType === 'batch' ? event.taskSucceededEventDetails.output : undefined,
      event.taskFailedEventDetails?.resourceType === 'batch' ? event.taskFailedEventDetails.cause : undefined,
    ];
    for (const text of candidates) {
      const id = jobIdIn(text);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

/** The error and cause of a failed, timed-out or aborted execution, if the history has them. */
export function executionFailure(events: readonly HistoryEvent[]): { error?: string; cause?: string } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const details = events[i].executionFailedEventDetails ?? events[i].executionTimedOutEventDetails ?? events[i].executionAbortedEventDetails;
    if (details) return { error: details.error, cause: details.cause };
  }
  return undefined;
}
