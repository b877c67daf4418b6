import { RunStats } from '../../../../lib/local/run/step-stats';

describe('RunStats', () => {
  test('counts running, succeeded, failed and retried tasks per step in first-seen order and notifies', () => {
    const stats = new RunStats();
    let changes = 0;
    stats.onChange(() => changes++);
    stats.taskStarted('b');
    stats.taskStarted('a');
    stats.taskEnded('b', 'retried');
    stats.taskStarted('b');
    stats.taskEnded('b', 'succeeded');
    expect(stats.all().map((s) => s.step)).toEqual(['b', 'a']);
    expect(stats.step('b')).toMatchObject({ running: 0, succeeded: 1, retried: 1, failed: 0 });
    expect(stats.step('a')).toMatchObject({ running: 1 });
    expect(stats.step('b').lastEndMs).toBeGreaterThanOrEqual(stats.step('b').firstStartMs!);
    expect(changes).toBe(5);
    stats.taskStarted('nodes', 3);
    stats.taskEnded('nodes', 'succeeded', 3);
    expect(stats.step('nodes')).toMatchObject({ running: 0, succeeded: 3 });
  });

  test('failed tasks the state machine retried move to retried, never more than were counted failed', () => {
    const stats = new RunStats();
    stats.taskStarted('nodes', 3);
    stats.taskEnded('nodes', 'failed', 2);
    stats.taskEnded('nodes', 'stopped');
    stats.failedTasksRetried('nodes', 2);
    expect(stats.step('nodes')).toMatchObject({ failed: 0, retried: 2, stopped: 1 });
    stats.failedTasksRetried('nodes', 5);
    expect(stats.step('nodes')).toMatchObject({ failed: 0, retried: 2 });
  });
});
