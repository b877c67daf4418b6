import type { Json } from '../template/tokens';
import type { StateMachineCtor } from './interpreter';
import type { AslDefinition } from './prepare';
import type { TaskHandler } from './tasks';

/** What `StateMachine.run` returns, loosely typed (the interpreter's own types are stricter than its behaviour). */
export interface Execution {
  result: Promise<unknown>;
  abort(): void;
  eventLogs: AsyncGenerator<{ type: string }>;
}

export interface ExecutionHooks {
  /** Milliseconds each named Wait state pauses instead of its own duration. */
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  /** Every state any execution enters, counted or not. */
  readonly onStateEntered?: (state: { name: string; input: Json }) => void;
}

/**
 * Starts interpreter executions that share the run's Task handlers, and counts the states they enter
 * (Step Functions' billed state transitions) across the run, child executions included.
 */
export class Executions {
  private entered = 0;

  constructor(
    private readonly StateMachine: StateMachineCtor,
    private readonly handlers: Readonly<Record<string, TaskHandler>>,
    private readonly onTransition: (count: number) => void = () => undefined,
    private readonly hooks: ExecutionHooks = {},
  ) {}

  get transitions(): number {
    return this.entered;
  }

  /** Starts an execution; its transitions are counted unless `counted` is false. Resolves `tracked` when its log closes. */
  start(definition: AslDefinition, input: Json, context: Record<string, unknown>, counted = true): Execution & { tracked: Promise<void> } {
    const machine = new this.StateMachine(definition as never, { validationOptions: { noValidate: true } });
    const run = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.handlers as never, waitTimeOverrides: this.hooks.waitTimeOverrides },
      context: context as never,
    }) as unknown as Execution;
    return { ...run, tracked: this.consume(run, counted) };
  }

  /** Runs a nested execution to its end; a failure surfaces as the state's own error, not the wrapping ExecutionError. */
  run(definition: AslDefinition, input: Json, context: Record<string, unknown>, counted = true): Promise<Json> {
    return (this.start(definition, input, context, counted).result as Promise<Json>).catch((error: unknown) => {
      const cause = (error as { cause?: unknown }).cause;
      throw (error as { name?: string }).name === 'ExecutionError' && cause ? cause : error;
    });
  }

  private async consume(run: Execution, counted: boolean): Promise<void> {
    for await (const event of run.eventLogs) {
      if (event.type !== 'StateEntered') continue;
      if (counted) this.onTransition(++this.entered);
      const state = (event as { state?: { name: string; input?: unknown } }).state;
      if (state) this.hooks.onStateEntered?.({ name: state.name, input: state.input as Json });
    }
  }
}
