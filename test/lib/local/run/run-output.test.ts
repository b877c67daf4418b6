import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LocalRunResult } from '../../../../lib/local/run/engine';
import { failedTaskLog, formatRunOutput, logTail } from '../../../../lib/local/run/report';

function logsWith(files: Record<string, string>): string {
  const logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-output-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(logsDir, file)), { recursive: true });
    fs.writeFileSync(path.join(logsDir, file), text);
  }
  return logsDir;
}

const result = (fields: Partial<LocalRunResult>): LocalRunResult => ({ flow: 'F', runId: 'sfn-1', ...fields }) as LocalRunResult;

describe('what run --local prints after the table', () => {
  test('a log tail leaves out the runner header lines and keeps the last lines', () => {
    const logsDir = logsWith({ 'a.log': '# end job 1 attempt 1\n# $ "node" "x"\none\ntwo\nthree\n' });
    expect(logTail(path.join(logsDir, 'a.log'), 2)).toEqual(['two', 'three']);
    expect(logTail(path.join(logsDir, 'missing.log'))).toEqual([]);
  });

  test('a successful run shows the last output of its end step (the newest attempt)', () => {
    const logsDir = logsWith({ 'end/j-attempt1.log': '# header\nold\n', 'end/j-attempt2.log': '# header\nsum of squares: 385\n' });
    fs.utimesSync(path.join(logsDir, 'end/j-attempt1.log'), new Date(1000), new Date(1000));
    const text = formatRunOutput(result({ status: 'SUCCEEDED', logsDir }));
    expect(text).toMatch(/^output of the end step \(.*j-attempt2\.log\):\n {2}sum of squares: 385$/);
  });

  test('a failed job shows the end of its own log', () => {
    const logsDir = logsWith({ 'train/j-attempt1.log': '# header\nloading\nTraceback: ValueError: bad row 7\n' });
    const log = path.join(logsDir, 'train/j-attempt1.log');
    const cause = JSON.stringify({ JobName: 'F-train', StatusReason: 'Essential container in task exited', Container: { ExitCode: 1, LogStreamName: log } });
    expect(formatRunOutput(result({ status: 'FAILED', logsDir, cause }))).toContain("end of the failed task's log");
    expect(formatRunOutput(result({ status: 'FAILED', logsDir, cause }))).toMatch(/ {2}Traceback: ValueError: bad row 7$/);
  });

  test('a failed array job points at its first failed child: the log named in its status reason', () => {
    const logsDir = logsWith({ 'body/j-3-attempt2.log': '# header\nchild 3 failed here\n' });
    const log = path.join(logsDir, 'body/j-3-attempt2.log');
    const cause = JSON.stringify({ JobName: 'F-body', StatusReason: `1 of 4 child jobs failed; first failure: child 3: Essential container in task exited (exit code 5); log: ${log}` });
    expect(failedTaskLog(cause)).toBe(log);
    expect(formatRunOutput(result({ status: 'FAILED', logsDir, cause }))).toMatch(/ {2}child 3 failed here$/);
  });

  test('nothing to show: an aborted run, a Lambda error, an end step that printed nothing', () => {
    const logsDir = logsWith({ 'end/j-attempt1.log': '# header only\n' });
    expect(formatRunOutput(result({ status: 'ABORTED', logsDir }))).toBeUndefined();
    expect(formatRunOutput(result({ status: 'FAILED', logsDir, cause: JSON.stringify({ errorMessage: 'boom' }) }))).toBeUndefined();
    expect(formatRunOutput(result({ status: 'SUCCEEDED', logsDir }))).toBeUndefined();
  });
});
