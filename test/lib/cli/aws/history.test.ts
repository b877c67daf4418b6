import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { batchJobIdsInHistory, executionFailure } from '../../../../lib/cli/aws/history';

const at = new Date();
const events: HistoryEvent[] = [
  { id: 1, timestamp: at, type: 'TaskSubmitted', taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: '{"JobId":"a","JobName":"n"}' } },
  { id: 2, timestamp: at, type: 'TaskSucceeded', taskSucceededEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: '{"JobId":"a","Status":"SUCCEEDED"}' } },
  { id: 3, timestamp: at, type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', cause: '{"JobId":"b"}' } },
  { id: 4, timestamp: at, type: 'TaskSubmitted', taskSubmittedEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{"JobId":"not-batch"}' } },
  { id: 5, timestamp: at, type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', cause: 'not json' } },
  { id: 6, timestamp: at, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'boom' } },
];

describe('execution history', () => {
  test('Batch job ids from submitted, succeeded and failed Batch tasks only, once each', () => {
    expect(batchJobIdsInHistory(events)).toEqual(['a', 'b']);
  });

  test('the failure of the execution', () => {
    expect(executionFailure(events)).toEqual({ error: 'States.TaskFailed', cause: 'boom' });
    expect(executionFailure(events.slice(0, 2))).toBeUndefined();
  });
});
