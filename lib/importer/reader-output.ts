/**
 * The JSON that `metaflow_flow_reader.py` prints: facts read from a flow file with Python's `ast`, not yet
 * mapped onto the flow document. A value is `{ value }` when it is a Python literal, `{ nonLiteral }` (its source
 * text) when it is not, so the mapper can name the exact expression a user has to change.
 */

/** A literal (`float` for a Python float, whose JSON form may look whole: `3.0` reads as 3), or its source text. */
export type RawValue = { readonly value: unknown; readonly float?: true } | { readonly nonLiteral: string };

export interface RawDecorator {
  /** Metaflow name after resolving imports (`b` from `from metaflow import batch as b` is `batch`). */
  readonly name: string;
  readonly line: number;
  /** False for a bare `@batch`, true for `@batch(...)`. */
  readonly called: boolean;
  readonly args: readonly RawValue[];
  /** Keyword arguments; `**` holds a `**kwargs` splat. */
  readonly kwargs: Readonly<Record<string, RawValue>>;
  /** A step method's decorator written below `@step` (Metaflow refuses it: BadStepDecoratorException). */
  readonly belowStep?: boolean;
}

export interface RawTransition {
  /** Line of the `self.next(...)` statement. */
  readonly line: number;
  /** Step names of the `self.<step>` positional arguments. */
  readonly targets: readonly string[];
  readonly kwargs: Readonly<Record<string, RawValue>>;
  /** `self.next({...}, condition=...)`, Metaflow's split-switch. */
  readonly switch: boolean;
  /** A switch's cases in the order written: the key (a literal's value, else its source text) and the step. */
  readonly cases?: ReadonlyArray<readonly [string, string]>;
  /** Why the call is not a transition Metaflow understands, if it is not. */
  readonly invalid: string | null;
}

export interface RawStep {
  readonly name: string;
  /** Line of the `def`. */
  readonly line: number;
  /** Line of the first decorator. */
  readonly firstLine: number;
  readonly doc: string | null;
  /** Positional arguments including `self` (2 makes a join). */
  readonly numArgs: number;
  /** Arguments of `@step(...)` itself, e.g. `start=True`. */
  readonly step: { readonly args: readonly RawValue[]; readonly kwargs: Readonly<Record<string, RawValue>>; readonly line: number };
  /** Decorators other than `@step`, top first. */
  readonly decorators: readonly RawDecorator[];
  /** The last statement if it is `self.next(...)`, else null. */
  readonly next: RawTransition | null;
  /** `self.x = <literal>` where it is the step's only assignment to `x`, a statement of its body: value and line. */
  readonly literalAssignments?: Readonly<Record<string, { readonly value: unknown; readonly line: number }>>;
}

export interface RawParameter {
  /** Class attribute the parameter is assigned to. */
  readonly attribute: string;
  readonly kind: 'Parameter' | 'IncludeFile' | 'Config';
  readonly line: number;
  readonly args: readonly RawValue[];
  /** `type` is reported by name (`int`, `JSONType`), other keywords as values. */
  readonly kwargs: Readonly<Record<string, RawValue | { readonly typeName: string }>>;
}

export interface RawClass {
  readonly name: string;
  readonly line: number;
  /** Base classes as resolved names (`FlowSpec`, or another class of the file). */
  readonly bases: readonly string[];
  readonly doc: string | null;
  readonly decorators: readonly RawDecorator[];
  readonly steps: readonly RawStep[];
  readonly parameters: readonly RawParameter[];
}

export interface RawFlowFile {
  readonly file: string;
  readonly syntaxError: { readonly line: number; readonly column: number; readonly message: string; readonly text: string } | null;
  readonly classes: readonly RawClass[];
  /**
   * The module's `if __name__ == "__main__":` block: its line and the names it calls (`MyFlow` for `MyFlow()`); null
   * when the file has none. @default - a document read by an older reader: not known
   */
  readonly main?: { readonly line: number; readonly calls: readonly string[] } | null;
}

export function isLiteral(value: RawValue): value is { readonly value: unknown } {
  return 'value' in value;
}
