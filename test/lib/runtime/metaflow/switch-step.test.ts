import * as path from 'path';
import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import { analyzeFlow } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import { JOIN_PARENTS_PATH } from '../../../../lib/runtime/metaflow/inline-foreach-order';
import { metaflowRetryEnvelopeNames } from '../../../../lib/runtime/metaflow/retry-delay';
import { needsDynamoDbTable } from '../../../../lib/runtime/metaflow/step-protocol';
import { SWITCH_RESULT_PATH, metaflowSwitchStateNames, switchChoiceCommand } from '../../../../lib/runtime/metaflow/switch-step';
import { ValidationError } from '../../../../lib/errors';
import { METAFLOW_FIXTURES } from '../../../support/fixtures';
import { writeFlow } from '../../importer/import-source';
import { OPTIONS, validateAsl } from '../../compile/helpers';
import { recorded } from './fixture-deployment';

// A flow with a switch at the top (one alternative a recursive loop), inside a static branch and inside a foreach
// (test/fixtures/metaflow/switch_flow), compiled. Its runs with the real Metaflow are in test/real/switch-flow.test.ts
// and in Metaflow's own switch tests (test/compat).

type State = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (key) => `jd-${key}`, jobQueueArn: (name) => `queue-${name}` };
const deployment = { ...recorded('foreach_flow').deployment, dynamoDbTable: 'coordination' };
const graph = analyzeFlow(importPythonFlow(path.join(METAFLOW_FIXTURES, 'switch_flow', 'flow.py')));
const plan = planFlow(graph.document, OPTIONS);
const definition = buildMetaflowDefinition(plan, refs, deployment);

/** Every state by name with the scope that holds it (`top`, a Parallel branch's first state, a Map's). */
function allStates(states: Record<string, State>, scope = 'top', into: Record<string, State & { scope: string }> = {}) {
  for (const [name, state] of Object.entries(states)) {
    into[name] = { ...state, scope };
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) allStates(inner.States, `map ${name}`, into);
    for (const branch of state.Branches ?? []) allStates(branch.States, `branch ${branch.StartAt}`, into);
  }
  return into;
}
const states = allStates(definition.States as Record<string, State>);
/** The Batch task of a step (a split's join runs in the retry envelope, under another state name). */
const job = (name: string): State => (states[name].Parameters?.ContainerOverrides ? states[name] : states[metaflowRetryEnvelopeNames(name).job]);
const env = (name: string): Record<string, string> =>
  Object.fromEntries((job(name).Parameters.ContainerOverrides.Environment as Array<Record<string, string>>).map((e) => [e.Name, e.Value ?? e['Value.$']]));
const script = (name: string): string => job(name).Parameters.ContainerOverrides.Command[2];

describe('a flow with switches, compiled', () => {
  test('imports as Metaflow analyses it, and passes asl-validator', () => {
    expect(graph.nodes.get('start')!.type).toBe('split-switch');
    expect(graph.document.steps.find((s) => s.name === 'loop')!.switch).toEqual({ condition: 'again', cases: { yes: 'loop', no: 'after_loop' } });
    expect(validateAsl(definition)).toEqual(expect.objectContaining({ isValid: true, errors: [] }));
  });

  test.each(['start', 'left', 'item', 'loop'])('switch %s: its task writes the chosen step, then a consistent read and a Choice over its steps', (step) => {
    const names = metaflowSwitchStateNames(step);
    const node = graph.nodes.get(step)!;
    expect(states[step].Next).toBe(names.read);
    expect(states[names.read]).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: 'coordination', ConsistentRead: true, Key: { pathspec: { 'S.$': "States.Format('{}-switch', $.JobId)" } } },
      Retry: [expect.objectContaining({ ErrorEquals: ['States.TaskFailed'] })],
      ResultSelector: { 'step.$': '$.Item.chosen_step.S' },
      ResultPath: SWITCH_RESULT_PATH,
      Next: names.choice,
      scope: states[step].scope,
    });
    expect(states[names.choice].Choices).toEqual(node.outFuncs.map((target) => ({ Variable: '$.Switch.step', StringEquals: target, Next: target })));
    // Every chosen step is a state of the same scope: a Choice cannot leave its Parallel branch or Map iteration.
    for (const target of node.outFuncs) expect(states[target].scope).toBe(states[step].scope);
    expect(script(step)).toContain(`--max-user-code-retries 0 --input-paths`);
    expect(script(step)).toContain(`&& ${switchChoiceCommand('SwitchFlow', step, deployment.datastoreRoot)}) 1>>`);
    expect(needsDynamoDbTable(graph, step)).toBe(true);
    expect(env(step).METAFLOW_SFN_DYNAMO_DB_TABLE).toBe('coordination');
  });

  test('the recursive switch is a loop of the state machine back to its own task, which takes its parent from its input', () => {
    expect(states['loop.switch'].Choices).toContainEqual({ Variable: '$.Switch.step', StringEquals: 'loop', Next: 'loop' });
    expect(script('loop')).toContain('--input-paths sfn-${METAFLOW_RUN_ID}/${METAFLOW_PARENT_STEP}/${METAFLOW_PARENT_TASK_ID}');
    expect(env('loop')).toMatchObject({ METAFLOW_PARENT_STEP: '$.Parameters.step_name', METAFLOW_PARENT_TASK_ID: '$.JobId' });
  });

  test('where alternatives meet (end after the loop or the foreach join), the parent step comes from the input; one parent stays fixed', () => {
    expect(script('end')).toContain('--input-paths sfn-${METAFLOW_RUN_ID}/${METAFLOW_PARENT_STEP}/${METAFLOW_PARENT_TASK_ID}');
    expect(script('after_loop')).toContain('--input-paths sfn-${METAFLOW_RUN_ID}/loop/${METAFLOW_PARENT_TASK_ID}');
    expect(env('after_loop').METAFLOW_PARENT_STEP).toBeUndefined();
  });

  test('the join after a branch holding a switch takes one input per branch, each with the step that ran', () => {
    const join = env('fan_join');
    expect(script('fan_join')).toContain('--input-paths sfn-${METAFLOW_RUN_ID}:/${METAFLOW_PARENT_0_STEP}/${METAFLOW_PARENT_0_TASK_ID},/${METAFLOW_PARENT_1_STEP}/${METAFLOW_PARENT_1_TASK_ID})');
    expect(join.METAFLOW_PARENT_0_STEP).toMatch(/\[0\]\.Parameters\.step_name$/);
    expect(join.METAFLOW_PARENT_1_STEP).toMatch(/\[1\]\.Parameters\.step_name$/);
    expect(join.METAFLOW_PARENT_2_STEP).toBeUndefined();
    expect(states.left_a).toMatchObject({ End: true, scope: 'branch left' });
    expect(states.left_b).toMatchObject({ End: true, scope: 'branch left' });
  });

  test('a foreach whose body switches runs as an inline Map whose results name their step, read by the join', () => {
    expect(plan.foreachStrategies.each_start).toBe('inline-map');
    expect(states['*item']).toMatchObject({ Type: 'Map', ResultPath: JOIN_PARENTS_PATH });
    for (const last of ['odd', 'even']) expect(states[last]).toMatchObject({ End: true, ResultSelector: { 'JobId.$': '$.JobId', 'Step.$': '$.Parameters.step_name' } });
    expect(script('each_join')).toContain('",".join("/%s/%s" % (t["Step"], t["JobId"]) for _, t in parents)');
    // Both possible last steps record their task for the join, as Metaflow's last body steps do.
    for (const last of ['odd', 'even']) expect(env(last).METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN).toBe('$.Parameters.split_parent_task_id_each_start');
  });

  test('a recursive switch first in a foreach body is refused at synth, with the step to add', () => {
    const source = [
      'from metaflow import FlowSpec, step',
      'class LoopEachFlow(FlowSpec):',
      '    @step',
      '    def start(self):',
      '        self.items = [1, 2]',
      '        self.next(self.spin, foreach="items")',
      '    @step',
      '    def spin(self):',
      '        self.again = "no"',
      '        self.next({"yes": self.spin, "no": self.done}, condition="again")',
      '    @step',
      '    def done(self):',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    LoopEachFlow()',
    ].join('\n');
    const loopPlan = planFlow(analyzeFlow(importPythonFlow(writeFlow(source))).document, OPTIONS);
    let thrown: unknown;
    try {
      buildMetaflowDefinition(loopPlan, refs, deployment);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems).toEqual([expect.objectContaining({
      where: expect.stringMatching(/^flow "LoopEachFlow" step "spin" \(.*:8\)$/),
      message: expect.stringMatching(/^the recursive switch spin is the first step of a foreach body/),
      fix: 'add a step between the foreach start and spin (it may only call self.next(self.spin))',
    })]);
  });
});
