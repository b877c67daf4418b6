import type { FlowDocument, ParameterSpec } from '../graph/model';
import { EXECUTION_INPUT } from '../runtime/naming';
import { TOP_LEVEL_TASK_ID } from '../runtime/env';
import { AslStates, childPath, stateName } from './asl';
import { runDefaultsOf } from '../graph/parameter-values';

export const INIT_STATES = {
  defaults: 'Init.defaults',
  input: 'Init.input',
  check: 'Init.check',
  run: 'Init.run',
} as const;

export function missingParameterState(name: string): string {
  return stateName('Init.missing', name);
}

/** Parameters a run always has: a default, or required (a run without them fails at `Init.check`). */
export function alwaysPresent(param: ParameterSpec): boolean {
  return param.default !== undefined || param.required === true;
}

function requiredWithoutDefault(doc: FlowDocument): ParameterSpec[] {
  return (doc.parameters ?? []).filter((p) => p.required === true && p.default === undefined);
}

/**
 * The states every run starts with. They fill what the execution input lacks (`Parameters`, `Trigger`, `User`),
 * apply parameter defaults, fail with `MissingParameter` naming the parameter when a required one is absent,
 * and put the run's data at `$.run` with the run id `sfn-<execution name>`, and a zero retry count per retrying step.
 */
export function initStates(doc: FlowDocument, next: string, retryingSteps: readonly string[] = []): { startAt: string; states: AslStates } {
  const defaults = runDefaultsOf(doc.parameters ?? []);
  const required = requiredWithoutDefault(doc);
  const afterInput = required.length > 0 ? INIT_STATES.check : INIT_STATES.run;
  const states: AslStates = {
    [INIT_STATES.defaults]: {
      Type: 'Pass',
      Comment: 'What a run gets when the execution input omits a key.',
      Parameters: {
        'input.$': '$',
        top: { [EXECUTION_INPUT.parameters]: {}, [EXECUTION_INPUT.trigger]: { bucket: '', key: '' }, [EXECUTION_INPUT.user]: 'unknown' },
        params: defaults,
      },
      Next: INIT_STATES.input,
    },
    [INIT_STATES.input]: {
      Type: 'Pass',
      Parameters: { 'top.$': 'States.JsonMerge($.top, $.input, false)', 'params.$': '$.params' },
      Next: afterInput,
    },
  };
  if (required.length > 0) {
    states[INIT_STATES.check] = {
      Type: 'Choice',
      Choices: required.map((p) => ({
        Not: { Variable: childPath(`$.top.${EXECUTION_INPUT.parameters}`, p.name), IsPresent: true },
        Next: missingParameterState(p.name),
      })),
      Default: INIT_STATES.run,
    };
    for (const p of required) {
      states[missingParameterState(p.name)] = {
        Type: 'Fail',
        Error: 'MissingParameter',
        Cause: `flow "${doc.name}" needs parameter "${p.name}" (${p.type}${p.help ? `: ${p.help}` : ''}) and the run did not give it: start the run with ${EXECUTION_INPUT.parameters}.${p.name} set (CLI: --param ${p.name}=VALUE)`,
      };
    }
  }
  states[INIT_STATES.run] = {
    Type: 'Pass',
    Parameters: {
      run: {
        'id.$': "States.Format('sfn-{}', $$.Execution.Name)",
        'parameters.$': `States.JsonMerge($.params, $.top.${EXECUTION_INPUT.parameters}, false)`,
        'trigger.$': `$.top.${EXECUTION_INPUT.trigger}`,
        'user.$': `$.top.${EXECUTION_INPUT.user}`,
      },
      path: TOP_LEVEL_TASK_ID,
      retries: Object.fromEntries(retryingSteps.map((step) => [step, { n: 0 }])),
    },
    Next: next,
  };
  return { startAt: INIT_STATES.defaults, states };
}
