import { normalizeFlowDocument } from '../document/normalize';
import { FLOW_DOCUMENT_VERSION, FlowDocument, ParameterSpec, StepSpec } from '../model';

/** A step of a typed flow. `N` is the union of the flow's step names: a `next` outside it does not compile. */
export interface StepDefinition<N extends string> extends Omit<StepSpec, 'name' | 'next' | 'source'> {
  /** The next step, or two or more for a branch. Omit on the end step. */
  readonly next?: N | readonly N[];
}

/** A parameter whose default has the parameter's type. */
export type ParameterDefinition = { readonly required?: boolean; readonly help?: string } & (
  | { readonly type: 'string'; readonly default?: string }
  | { readonly type: 'number'; readonly default?: number; /** Whole numbers only (Metaflow's `int`). */ readonly integer?: boolean }
  | { readonly type: 'boolean'; readonly default?: boolean }
  | { readonly type: 'json'; readonly default?: unknown }
);

/** A flow document with parameters and steps keyed by name (so step names become literal types). */
export interface FlowDefinition<S extends Record<string, StepDefinition<Extract<keyof S, string>>>>
  extends Omit<FlowDocument, '$schema' | 'version' | 'parameters' | 'steps'> {
  /** Parameters by name, in declaration order. */
  readonly parameters?: Readonly<Record<string, ParameterDefinition>>;
  /** Steps by name, in declaration order. */
  readonly steps: S;
}

/** A flow document that remembers its step names as a type. */
export type TypedFlowDocument<N extends string> = FlowDocument & { readonly steps: ReadonlyArray<StepSpec & { readonly name: N }> };

/** The step names of a typed flow document, e.g. for per-step options keyed by name. */
export type StepNameOf<D> = D extends TypedFlowDocument<infer N> ? N : string;

/**
 * Declares a flow with its step names as literal types: a `next` naming a step that does not exist is a
 * compile error. Returns the normalized flow document; check it with `validateFlow` or `assertValidFlow`.
 *
 * @example
 * const flow = defineFlow({
 *   name: 'HelloFlow',
 *   steps: {
 *     start: { next: 'hello' },
 *     hello: { next: 'end', cpu: 2, memory: 8192, retry: { times: 2 } },
 *     end: {},
 *   },
 * });
 */
export function defineFlow<const S extends Record<string, StepDefinition<Extract<keyof S, string>>>>(
  definition: FlowDefinition<S>,
): TypedFlowDocument<Extract<keyof S, string>> {
  const { steps, parameters, ...flow } = definition;
  const doc: FlowDocument = {
    version: FLOW_DOCUMENT_VERSION,
    ...flow,
    ...(parameters ? { parameters: Object.entries(parameters).map(([name, p]): ParameterSpec => ({ name, ...p })) } : {}),
    steps: Object.entries(steps).map(([name, step]): StepSpec => {
      const { next, ...rest } = step as StepDefinition<string>;
      return { name, ...rest, next: next === undefined ? [] : typeof next === 'string' ? [next] : [...next] };
    }),
  };
  return normalizeFlowDocument(doc) as TypedFlowDocument<Extract<keyof S, string>>;
}
