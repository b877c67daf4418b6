import type { JobDetail } from '@aws-sdk/client-batch';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from './clients';
import { withRetry } from './retry';

/** Where Batch sends a job's output unless its log configuration names another awslogs group. */
export const DEFAULT_BATCH_LOG_GROUP = '/aws/batch/job';

export interface LogStreamRef {
  readonly group: string;
  readonly stream: string;
  /** 1-based attempt the stream belongs to. */
  readonly attempt: number;
}

export function logGroupOf(job: JobDetail): string {
  const config = job.container?.logConfiguration;
  return (config?.logDriver === 'awslogs' && config.options?.['awslogs-group']) || DEFAULT_BATCH_LOG_GROUP;
}

/** The job's streams, one per attempt that got a container, in attempt order. */
export function logStreamsOf(job: JobDetail): LogStreamRef[] {
  const group = logGroupOf(job);
  const names = [...(job.attempts ?? []).map((a) => a.container?.logStreamName), job.container?.logStreamName].filter(
    (name): name is string => Boolean(name),
  );
  return [...new Set(names)].map((stream, i) => ({ group, stream, attempt: i + 1 }));
}

/**
 * Reads log streams from where it last stopped (the forward token per stream), so `--follow` prints
 * each event once.
 */
export class LogReader {
  private readonly tokens = new Map<string, string | undefined>();

  constructor(private readonly clients: AwsClients) {}

  /** Resolves with the number of events read, or `'missing'` when the stream (or its group) does not exist. */
  async read(ref: LogStreamRef, onMessage: (message: string) => void): Promise<number | 'missing'> {
    const key = `${ref.group}\u0000${ref.stream}`;
    let token = this.tokens.get(key);
    let count = 0;
    for (;;) {
      let page;
      try {
        page = await withRetry('logs:GetLogEvents', () =>
          this.clients.logs.send(
            new GetLogEventsCommand({ logGroupName: ref.group, logStreamName: ref.stream, startFromHead: true, nextToken: token }),
          ),
        );
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return count > 0 ? count : 'missing';
        throw error;
      }
      for (const event of page.events ?? []) {
        onMessage(event.message ?? '');
        count++;
      }
      const next = page.nextForwardToken;
      // GetLogEvents returns the token it was given once the end of the stream is reached; an empty page with a new
      // token is not the end (its API reference says so)
      const atEnd = !next || next === token;
      token = next ?? token;
      this.tokens.set(key, token);
      if (atEnd) return count;
    }
  }
}
