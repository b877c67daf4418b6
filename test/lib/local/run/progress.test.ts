import { ProgressPrinter } from '../../../../lib/local/run/progress';
import { RunStats } from '../../../../lib/local/run/step-stats';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('ProgressPrinter', () => {
  test('off a terminal it prints snapshots only when something changed', () => {
    const stats = new RunStats();
    const out = stream(false);
    const printer = new ProgressPrinter(stats, out, 60_000);
    printer.stop();
    expect(out.text).toBe('');
    stats.taskStarted('a');
    printer.stop();
    expect(out.text).toMatch(/^\[\d\d:\d\d:\d\d\]\n {2}a {5}0 done {2}1 running\n$/);
  });

  test('on a terminal it redraws the step lines in place', () => {
    const stats = new RunStats();
    const out = stream(true);
    const printer = new ProgressPrinter(stats, out, 60_000);
    stats.taskStarted('a');
    printer.stop();
    stats.taskEnded('a', 'succeeded');
    printer.stop();
    expect(out.text).toBe('  a     0 done  1 running\n\x1b[1A\x1b[J  a     1 done\n');
  });
});
