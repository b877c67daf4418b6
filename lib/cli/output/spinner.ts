const FRAMES = ['|', '/', '-', '\\'];

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const SILENT: Spinner = { update: () => undefined, stop: () => undefined };

/**
 * A progress line on stderr for waits; silent unless stderr is a terminal, so pipes,
 * `--json` consumers and CI logs never see control characters.
 */
export function startSpinner(text: string, stream: NodeJS.WriteStream = process.stderr): Spinner {
  if (!stream.isTTY) return SILENT;
  let frame = 0;
  let current = text;
  const draw = () => stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`);
  draw();
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    update(next: string) {
      current = next;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}
