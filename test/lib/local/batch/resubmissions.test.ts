import { Resubmissions, taskIdentityOf } from '../../../../lib/local/batch/resubmissions';
import type { SubmitJobRequest } from '../../../../lib/local/batch/job-spec';

const request = (env: Record<string, string>, extra: Partial<SubmitJobRequest> = {}): SubmitJobRequest => ({
  JobDefinition: 'def',
  JobName: 'Flow-step',
  JobQueue: 'queue',
  ContainerOverrides: { Environment: Object.entries(env).map(([Name, Value]) => ({ Name, Value })) },
  ...extra,
});

describe('taskIdentityOf', () => {
  test('a @retry loop, a retry-delay envelope and a fresh job after a lost host submit the same task', () => {
    expect(taskIdentityOf(request({ MF_TASK_ID: 'a/0', MF_RETRY_COUNT: '0' }))).toBe(taskIdentityOf(request({ MF_TASK_ID: 'a/0', MF_RETRY_COUNT: '1' })));
    expect(taskIdentityOf(request({ MFCDK_TASK_ID: '', MFCDK_RETRY_COUNT: '0', X: '1' }))).toBe(
      taskIdentityOf(request({ MFCDK_TASK_ID: 'job-1', MFCDK_RETRY_COUNT: '1', X: '1' })),
    );
    const nodes = (count: string): SubmitJobRequest => ({
      JobDefinition: 'def',
      JobName: 'Flow-train',
      JobQueue: 'queue',
      NodeOverrides: { NumNodes: 2, NodePropertyOverrides: [{ TargetNodes: '0:', ContainerOverrides: { Environment: [{ Name: 'MF_RETRY_COUNT', Value: count }] } }] },
    });
    expect(taskIdentityOf(nodes('0'))).toBe(taskIdentityOf(nodes('1')));
  });

  test('different tasks of one step differ: task path, split index, input', () => {
    expect(taskIdentityOf(request({ MF_TASK_ID: 'a/0' }))).not.toBe(taskIdentityOf(request({ MF_TASK_ID: 'a/1' })));
    expect(taskIdentityOf(request({ X: '1' }, { Parameters: { split_index: '0' } }))).not.toBe(taskIdentityOf(request({ X: '1' }, { Parameters: { split_index: '1' } })));
  });
});

describe('Resubmissions', () => {
  test('a failed job is retried by the next submission of its task, once', () => {
    const resubmissions = new Resubmissions();
    resubmissions.jobFailed(request({ MF_TASK_ID: 'a/0', MF_RETRY_COUNT: '0' }), 'a', 1);
    expect(resubmissions.retriedBy(request({ MF_TASK_ID: 'a/1' }))).toBeUndefined();
    expect(resubmissions.retriedBy(request({ MF_TASK_ID: 'a/0', MF_RETRY_COUNT: '1' }))).toEqual({ step: 'a', failedTasks: 1 });
    expect(resubmissions.retriedBy(request({ MF_TASK_ID: 'a/0', MF_RETRY_COUNT: '2' }))).toBeUndefined();
  });

  test('a job with no task counted failed (stopped, never started) is not remembered', () => {
    const resubmissions = new Resubmissions();
    resubmissions.jobFailed(request({ MF_TASK_ID: 'a/0' }), 'a', 0);
    expect(resubmissions.retriedBy(request({ MF_TASK_ID: 'a/0' }))).toBeUndefined();
  });
});
