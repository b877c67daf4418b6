import { StepSettings } from '../model';
import { StepDefinition } from './define-flow';

/**
 * Shorthands for the step shapes Metaflow allows. Each returns a `StepDefinition`, so step names stay checked:
 * `start: foreach('items', 'work')`.
 */
export function linear<const N extends string>(next: N, settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, next };
}

/** A static split: every branch runs in parallel; a join merges them. */
export function branch<const N extends string>(next: readonly [N, N, ...N[]], settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, next };
}

/** A foreach over the artifact `over`: `body` runs once per item; a join merges the items. */
export function foreach<const N extends string>(over: string, body: N, settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, foreach: over, next: body };
}

/** A multi-node parallel split: `body` (a `parallelStep`) runs on `nodes` nodes; a join merges them. */
export function numParallel<const N extends string>(nodes: number, body: N, settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, numParallel: nodes, next: body };
}

/** A `@parallel` step: the body of a `numParallel` split; its next is a join. */
export function parallelStep<const N extends string>(next: N, settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, parallel: true, next };
}

/** A join: merges the innermost open split. */
export function join<const N extends string>(next: N, settings: StepSettings = {}): StepDefinition<N> {
  return { ...settings, join: true, next };
}

/** The terminal step. */
export function end(settings: StepSettings = {}): StepDefinition<never> {
  return { ...settings };
}
