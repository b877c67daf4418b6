import type { RunStats } from './step-stats';
import { progressLines } from './report';

/**
 * Live progress on a stream: on a terminal the step lines are redrawn in place; otherwise a snapshot is printed
 * at most every `intervalMs` when something changed.
 */
export class ProgressPrinter {
  private timer?: NodeJS.Timeout;
  private drawn = 0;
  private dirty = false;

  constructor(
    private readonly stats: RunStats,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 200 : 2000,
  ) {
    stats.onChange(() => {
      this.dirty = true;
    });
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw();
  }

  private draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const lines = progressLines(this.stats);
    if (this.stream.isTTY) {
      if (this.drawn) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
      this.stream.write(`${lines.join('\n')}\n`);
      this.drawn = lines.length;
    } else {
      this.stream.write(`[${new Date().toISOString().slice(11, 19)}]\n${lines.join('\n')}\n`);
    }
  }
}
