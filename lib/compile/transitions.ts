import { AslDefinition, AslState, AslStates } from './asl';
import { arrayWaves } from './fanout';

/** Every foreach of the walk produces `width` splits; no task fails and no retry happens. */
export interface TransitionScenario {
  readonly width: number;
}

interface WalkState {
  maxWorkers: number;
}

type Rule = Record<string, unknown>;

function matches(rule: Rule, width: number): boolean {
  if (rule.Not) return !matches(rule.Not as Rule, width);
  if (rule.And) return (rule.And as Rule[]).every((r) => matches(r, width));
  if (rule.Or) return (rule.Or as Rule[]).some((r) => matches(r, width));
  // Parameter checks (`IsPresent`) pass: the scenario gives every parameter.
  if ('IsPresent' in rule) return rule.IsPresent === true;
  const variable = String(rule.Variable ?? '');
  if (!variable.endsWith('.width')) return false;
  if ('NumericGreaterThan' in rule) return width > Number(rule.NumericGreaterThan);
  if ('NumericEquals' in rule) return width === Number(rule.NumericEquals);
  if ('NumericLessThan' in rule) return width < Number(rule.NumericLessThan);
  return false;
}

function iterations(state: AslState, width: number, walk: WalkState): number {
  const itemsPath = String(state.ItemsPath ?? '');
  const waves = arrayWaves(width, walk.maxWorkers);
  if (itemsPath.endsWith('.waves')) return waves.length;
  // Every wave of a fan-out has the same number of array jobs (one wave of lanes, or waves of one array).
  if (itemsPath.endsWith('.chunks')) return waves[0]?.chunks.length ?? 0;
  return width;
}

function walkStates(startAt: string, states: AslStates, scenario: TransitionScenario, walk: WalkState): number {
  let count = 0;
  let name: string | undefined = startAt;
  while (name !== undefined) {
    const state: AslState = states[name];
    if (state === undefined) throw new Error(`state "${name}" is not defined`);
    count += 1;
    const payload = (state.Parameters as { Payload?: { maxWorkers?: number } } | undefined)?.Payload;
    if (payload?.maxWorkers !== undefined) walk.maxWorkers = payload.maxWorkers;
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches as Array<{ StartAt: string; States: AslStates }>) count += walkStates(branch.StartAt, branch.States, scenario, walk);
    } else if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as { StartAt: string; States: AslStates };
      const n = iterations(state, scenario.width, walk);
      if (n > 0) count += n * walkStates(processor.StartAt, processor.States, scenario, { ...walk });
    } else if (state.Type === 'Fail' || state.Type === 'Succeed') {
      return count;
    } else if (state.Type === 'Choice') {
      const choice = (state.Choices as Rule[]).find((rule) => matches(rule, scenario.width));
      name = String(choice?.Next ?? state.Default);
      continue;
    }
    name = state.End === true ? undefined : (state.Next as string | undefined);
  }
  return count;
}

/**
 * State transitions (states entered, as Step Functions bills them, child executions of a Distributed Map included)
 * of one successful run in which every foreach has `width` splits.
 */
export function countTransitions(definition: AslDefinition, scenario: TransitionScenario): number {
  return walkStates(definition.StartAt, definition.States, scenario, { maxWorkers: 16 });
}
