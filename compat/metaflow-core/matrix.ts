/**
 * The graph x test matrix of Metaflow's core suite as `generate.py` classifies it, and the choices made over it
 * (which combinations to run, the slice). Pure: no processes, no files.
 */

/** `sfn`: Metaflow's python3-sfn context runs it; `beyond`: that context cannot; `not-applicable`: nobody runs it. */
export type CombinationKind = 'sfn' | 'beyond' | 'not-applicable';

export interface Combination {
  readonly test: string;
  readonly graph: string;
  readonly kind: CombinationKind;
  /** Why python3-sfn does not run it (empty for `sfn`). */
  readonly reason: string;
  readonly priority: number;
  readonly flowName: string;
  /** The test expects the run to fail (SHOULD_FAIL); the checkers still judge what it left. */
  readonly shouldFail: boolean;
  /** Steps of the graph: the size the slice picks the smallest graph by. */
  readonly steps: number;
  readonly parallel: boolean;
  readonly foreach: boolean;
  /** Names of the flow's parameters (the test's PARAMETERS). */
  readonly parameters?: readonly string[];
  /** Folder of the generated flow (test_flow.py, check_flow.py, metaflow_test/): its code package. */
  readonly directory?: string;
}

export interface SuiteContext {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly top_options: readonly string[];
  readonly checks: readonly string[];
  readonly disabled_tests?: readonly string[];
  readonly scheduler_timeout?: number;
}

export interface Matrix {
  readonly metaflowVersion: string;
  /** Decorators the suite's metaflow_extensions add: the tasks' image has them, so the flows deploy with them. */
  readonly extensionDecorators?: readonly string[];
  /** The suite's test/core folder. */
  readonly suite: string;
  readonly context: SuiteContext;
  readonly checks: Readonly<Record<string, { readonly python: string; readonly class: string }>>;
  readonly graphs: readonly string[];
  readonly combinations: readonly Combination[];
}

export const runnable = (c: Combination): boolean => c.kind !== 'not-applicable';

/**
 * The slice (`npm run test:compat`): every test once, on its smallest compatible graph (fewest steps; ties broken by
 * graph name). A test python3-sfn runs somewhere is sliced on a python3-sfn graph; a test only this project runs, on
 * a `beyond` one.
 */
export function sliceOf(combinations: readonly Combination[]): Combination[] {
  const byTest = new Map<string, Combination[]>();
  for (const c of combinations.filter(runnable)) byTest.set(c.test, [...(byTest.get(c.test) ?? []), c]);
  const chosen: Combination[] = [];
  for (const candidates of byTest.values()) {
    const sfn = candidates.filter((c) => c.kind === 'sfn');
    const pool = sfn.length > 0 ? sfn : candidates;
    chosen.push([...pool].sort((a, b) => a.steps - b.steps || a.graph.localeCompare(b.graph))[0]);
  }
  return chosen.sort(byPriorityThenName);
}

export function byPriorityThenName(a: Combination, b: Combination): number {
  return a.priority - b.priority || a.test.localeCompare(b.test) || a.graph.localeCompare(b.graph);
}

/** Combinations grouped by graph, in the matrix's graph order: one CDK app is synthesized per graph. */
export function byGraph<T extends Pick<Combination, 'graph'>>(combinations: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const c of combinations) groups.set(c.graph, [...(groups.get(c.graph) ?? []), c]);
  return groups;
}

/** The one line for a selection with nothing to run; when nothing in it can run at all, it says why. */
export function emptySelectionMessage(selection: readonly Combination[]): string {
  const base = 'the selection holds no combination to run: widen --tests/--graphs/--kinds';
  if (selection.some(runnable)) return base;
  const reasons = [...new Set(selection.map((c) => `${c.test}: ${c.reason}`))];
  return reasons.length === 0 || reasons.length > 3 ? base : `${base} (not applicable: ${reasons.join('; ')})`;
}
