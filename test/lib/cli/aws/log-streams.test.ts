import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createClients } from '../../../../lib/cli/aws/clients';
import { DEFAULT_BATCH_LOG_GROUP, LogReader, logGroupOf, logStreamsOf } from '../../../../lib/cli/aws/log-streams';
import { job, mocks, named, resetMocks, throttle } from '../harness';

beforeEach(resetMocks);

describe('log stream discovery', () => {
  test('default group unless the job uses awslogs with its own group', () => {
    expect(logGroupOf(job('F', 's', 'r', 'RUNNING'))).toBe(DEFAULT_BATCH_LOG_GROUP);
    expect(logGroupOf(job('F', 's', 'r', 'RUNNING', { container: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/g' } } } }))).toBe('/g');
    expect(logGroupOf(job('F', 's', 'r', 'RUNNING', { container: { logConfiguration: { logDriver: 'splunk', options: { 'awslogs-group': '/g' } } } }))).toBe(DEFAULT_BATCH_LOG_GROUP);
  });

  test('one stream per attempt, in order, without duplicates', () => {
    const j = job('F', 's', 'r', 'RUNNING', {
      attempts: [{ container: { logStreamName: 'a' } }, { container: {} }, { container: { logStreamName: 'b' } }],
      container: { logStreamName: 'b' },
    });
    expect(logStreamsOf(j)).toEqual([
      { group: DEFAULT_BATCH_LOG_GROUP, stream: 'a', attempt: 1 },
      { group: DEFAULT_BATCH_LOG_GROUP, stream: 'b', attempt: 2 },
    ]);
    expect(logStreamsOf(job('F', 's', 'r', 'RUNNABLE'))).toEqual([]);
  });
});

describe('LogReader', () => {
  test('continues from the last forward token on the next read, and retries throttling', async () => {
    mocks.logs
      .on(GetLogEventsCommand, { nextToken: undefined })
      .resolves({ events: [{ message: 'one' }], nextForwardToken: 't1' })
      .on(GetLogEventsCommand, { nextToken: 't1' })
      .rejectsOnce(throttle())
      .resolves({ events: [], nextForwardToken: 't1' });
    const reader = new LogReader(createClients({}));
    const seen: string[] = [];
    const ref = { group: 'g', stream: 's', attempt: 1 };
    expect(await reader.read(ref, (m) => seen.push(m))).toBe(1);
    mocks.logs.on(GetLogEventsCommand, { nextToken: 't1' }).resolves({ events: [{ message: 'two' }], nextForwardToken: 't2' });
    mocks.logs.on(GetLogEventsCommand, { nextToken: 't2' }).resolves({ events: [], nextForwardToken: 't2' });
    expect(await reader.read(ref, (m) => seen.push(m))).toBe(1);
    expect(seen).toEqual(['one', 'two']);
  });

  test('other errors than a missing stream propagate', async () => {
    mocks.logs.on(GetLogEventsCommand).rejects(named('AccessDeniedException', 'no logs:GetLogEvents'));
    await expect(new LogReader(createClients({})).read({ group: 'g', stream: 's', attempt: 1 }, () => undefined)).rejects.toThrow('no logs:GetLogEvents');
  });
});
