import { failureReason, formatCounts, runnableJobs, summarizeSteps } from '../../../lib/cli/run-status';
import { arrayJob, job } from './harness';

describe('summarizeSteps', () => {
  test('a step with running and failed tasks shows RUNNING; all done shows the latest stop', () => {
    const steps = summarizeSteps(
      [{ name: 'a', type: 'linear' }],
      [
        job('F', 'a', 'r', 'FAILED', { startedAt: 1000, stoppedAt: 5000 }),
        job('F', 'a', 'r', 'RUNNING', { startedAt: 2000 }),
      ],
    );
    expect(steps[0]).toMatchObject({ status: 'RUNNING', tasks: { total: 2, byStatus: { FAILED: 1, RUNNING: 1 } }, stoppedAt: undefined });
    expect(steps[0].startedAt?.getTime()).toBe(1000);
    const done = summarizeSteps(undefined, [job('F', 'a', 'r', 'SUCCEEDED', { startedAt: 1000, stoppedAt: 3000 }), job('F', 'a', 'r', 'FAILED', { startedAt: 1500, stoppedAt: 9000 })]);
    expect(done[0]).toMatchObject({ step: 'a', type: null, status: 'FAILED' });
    expect(done[0].stoppedAt?.getTime()).toBe(9000);
  });

  test('steps seen only in jobs follow the manifest steps; steps without jobs are NOT_STARTED', () => {
    const steps = summarizeSteps([{ name: 'start', type: 'start' }, { name: 'end', type: 'end' }], [job('F', 'extra', 'r', 'RUNNING')]);
    expect(steps.map((s) => [s.step, s.status])).toEqual([
      ['start', 'NOT_STARTED'],
      ['end', 'NOT_STARTED'],
      ['extra', 'RUNNING'],
    ]);
  });

  test('array parents count their children; the RUNNABLE reason comes from a child', () => {
    const [parent, ...children] = arrayJob('F', 't', 'r', 'p', ['RUNNABLE', 'RUNNABLE', 'SUCCEEDED']);
    const [step] = summarizeSteps(undefined, [parent], children);
    expect(step).toMatchObject({ status: 'RUNNABLE', tasks: { total: 3, byStatus: { RUNNABLE: 2, SUCCEEDED: 1 } }, jobIds: ['p'] });
    expect(step.reason).toMatch(/MISCONFIGURATION/);
  });
});

describe('runnableJobs and formatting', () => {
  test('lists RUNNABLE jobs and children, not array parents', () => {
    const [parent, ...children] = arrayJob('F', 't', 'r', 'p', ['RUNNABLE', 'RUNNING']);
    const single = job('F', 'a', 'r', 'RUNNABLE', { jobId: 'solo' });
    expect(runnableJobs([{ ...parent, status: 'RUNNABLE' }, single], children).map((j) => j.jobId)).toEqual(['solo', 'p:0']);
  });

  test('failureReason joins what Batch says; formatCounts', () => {
    expect(failureReason(job('F', 'a', 'r', 'FAILED', { statusReason: 'Host EC2 terminated', container: { exitCode: 0 } }))).toBe('Host EC2 terminated; exit code 0');
    expect(failureReason(job('F', 'a', 'r', 'FAILED'))).toBeNull();
    expect(formatCounts({ SUCCEEDED: 2, FAILED: 1 })).toBe('2 SUCCEEDED, 1 FAILED');
    expect(formatCounts({})).toBe('-');
  });
});
