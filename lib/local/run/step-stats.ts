/** Counts of one step's local tasks, for live progress and the final table. */
export interface StepStats {
  readonly step: string;
  running: number;
  succeeded: number;
  failed: number;
  /** Attempts that failed and were retried (by Batch, or by the state machine submitting the task again). */
  retried: number;
  /**
   * Tasks ended because the run was stopped (Ctrl-C, or another step failed the run), and nodes of a multi-node job
   * stopped when its main node exited.
   */
  stopped: number;
  firstStartMs?: number;
  lastEndMs?: number;
}

/** Collects task progress per step in the order steps first appear. */
export class RunStats {
  private readonly steps = new Map<string, StepStats>();
  /** States entered, as Step Functions bills state transitions. */
  stateTransitions = 0;
  private readonly listeners: Array<() => void> = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  step(name: string): StepStats {
    let stats = this.steps.get(name);
    if (!stats) {
      stats = { step: name, running: 0, succeeded: 0, failed: 0, retried: 0, stopped: 0 };
      this.steps.set(name, stats);
    }
    return stats;
  }

  all(): StepStats[] {
    return [...this.steps.values()];
  }

  /** `count` > 1 for a multi-node job, whose nodes are tasks. */
  taskStarted(name: string, count = 1): void {
    const s = this.step(name);
    s.running += count;
    s.firstStartMs ??= Date.now();
    this.changed();
  }

  taskEnded(name: string, outcome: 'succeeded' | 'failed' | 'retried' | 'stopped', count = 1): void {
    const s = this.step(name);
    s.running = Math.max(0, s.running - count);
    s[outcome] += count;
    s.lastEndMs = Date.now();
    this.changed();
  }

  /** `count` tasks counted as failed were retried by the state machine after all. */
  failedTasksRetried(name: string, count: number): void {
    const s = this.step(name);
    const moved = Math.min(count, s.failed);
    s.failed -= moved;
    s.retried += moved;
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
