import type { LocalRunResult } from '../../../../lib/local/run/engine';
import { formatDuration, formatRunReport, progressLines, summarizeCause, table } from '../../../../lib/local/run/report';
import { RunStats } from '../../../../lib/local/run/step-stats';

function stats(): RunStats {
  const s = new RunStats();
  s.taskStarted('start');
  s.taskEnded('start', 'succeeded');
  s.taskStarted('body');
  s.taskStarted('body');
  s.taskEnded('body', 'failed');
  return s;
}

describe('run report', () => {
  test('durations read as ms, s or min', () => {
    expect([formatDuration(12), formatDuration(1500), formatDuration(125_000)]).toEqual(['12 ms', '1.5 s', '2 min 5 s']);
  });

  test('progress lines show done, running and failed per step', () => {
    expect(progressLines(stats())).toEqual(['  start  1 done', '  body   0 done  1 running  1 failed']);
  });

  test('tables align the first column left and the others right', () => {
    expect(table(['a', 'count'], [['xyz', '1']])).toBe('a    count\n---  -----\nxyz      1');
  });

  test('a failed run names the job, its reason, exit code and log; Lambda errors their message', () => {
    const cause = JSON.stringify({ JobName: 'F-train', StatusReason: 'Essential container in task exited', Container: { ExitCode: 2, LogStreamName: '/l/1.log' } });
    expect(summarizeCause(cause)).toBe('job F-train: Essential container in task exited (exit code 2); log: /l/1.log');
    expect(summarizeCause(JSON.stringify({ errorType: 'E', errorMessage: 'boom' }))).toBe('boom');
    expect(summarizeCause('plain')).toBe('plain');
    const result = { flow: 'F', status: 'FAILED', runId: 'sfn-1', error: 'States.TaskFailed', cause, stats: stats(), stateTransitions: 3, durationMs: 2000, logsDir: '/logs' };
    const report = formatRunReport(result as unknown as LocalRunResult);
    expect(report.split('\n')[2]).toMatch(/^start\s+1\s+1\s+0\s+0\s+\d+ ms$/);
    expect(report).toMatch(/^body\s+1\s+0\s+1\s+0/m);
    expect(report).toContain('run sfn-1 of F: FAILED in 2.0 s (3 state transitions)');
    expect(report).toContain('error: States.TaskFailed: job F-train');
    expect(report).toContain('logs: /logs');
    const timedOut = formatRunReport({ ...result, status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the run took longer than the state machine\'s TimeoutSeconds (60 s)' } as unknown as LocalRunResult);
    expect(timedOut).toContain('run sfn-1 of F: TIMED_OUT in 2.0 s');
    expect(timedOut).toContain("error: States.Timeout: the run took longer than the state machine's TimeoutSeconds (60 s)");
  });

  test('a stopped run counts the tasks it ended as stopped, not failed, in their own column', () => {
    const s = stats();
    s.taskStarted('body');
    s.taskEnded('body', 'stopped');
    expect(progressLines(s)[1]).toBe('  body   0 done  1 running  1 failed  1 stopped');
    const result = { flow: 'F', status: 'ABORTED', runId: 'sfn-1', stats: s, stateTransitions: 3, durationMs: 2000, logsDir: '/logs' };
    const lines = formatRunReport(result as unknown as LocalRunResult).split('\n');
    expect(lines[0]).toMatch(/^step\s+tasks\s+succeeded\s+failed\s+stopped\s+retried\s+duration$/);
    expect(lines.find((l) => l.startsWith('body'))).toMatch(/^body\s+2\s+0\s+1\s+1\s+0\s/);
  });
});
