import { startSpinner } from '../../../../lib/cli/output/spinner';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
}

describe('startSpinner', () => {
  test('silent when the stream is not a terminal', () => {
    const s = stream(false);
    const spinner = startSpinner('waiting', s.stream);
    spinner.update('still');
    spinner.stop();
    expect(s.written).toEqual([]);
  });

  test('draws on a terminal and clears the line on stop', () => {
    const s = stream(true);
    const spinner = startSpinner('waiting', s.stream);
    spinner.stop();
    expect(s.written[0]).toContain('waiting');
    expect(s.written[s.written.length - 1]).toBe('\r\x1b[2K');
  });
});
