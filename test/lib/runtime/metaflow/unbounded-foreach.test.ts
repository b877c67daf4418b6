import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../../lib/compile/metaflow-definition';
import { foreachStrategyLine } from '../../../../lib/compile/foreach-strategy';
import { planFlow } from '../../../../lib/compile/plan';
import { analyzeFlow } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import { controlMapperJoinInputsCommand } from '../../../../lib/runtime/metaflow/control-mapper-tasks';
import { JOIN_ORDER_KEY_SUFFIX } from '../../../../lib/runtime/metaflow/inline-foreach-order';
import { needsDynamoDbTable } from '../../../../lib/runtime/metaflow/step-protocol';
import { UBF_CONTROL_TASK_ID_ENV } from '../../../../lib/runtime/metaflow/unbounded-foreach';
import { OPTIONS, validateAsl } from '../../compile/helpers';
import { problemsOf as problemsOfCall } from '../../../constructs/support';
import { problemsOf, writeFlow } from '../../importer/import-source';
import { recorded } from './fixture-deployment';

type State = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An outer (bounded) foreach over regions; in each, an unbounded foreach over shards (Metaflow's nested UBF test). */
const NESTED_UBF = `
from metaflow import FlowSpec, step, unbounded_test_foreach_internal
from metaflow.plugins import InternalTestUnboundedForeachInput


class ShardFlow(FlowSpec):
    @step
    def start(self):
        self.regions = ["eu", "us"]
        self.next(self.prepare, foreach="regions")

    @step
    def prepare(self):
        self.shards = InternalTestUnboundedForeachInput(range(3))
        self.next(self.work, foreach="shards")

    @unbounded_test_foreach_internal
    @step
    def work(self):
        self.shard = self.input
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.total = sum(i.shard for i in inputs)
        self.next(self.merge)

    @step
    def merge(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShardFlow()
`;

const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (key) => `jd-${key}`, jobQueueArn: (name) => `queue-${name}` };
const deployment = { ...recorded('foreach_flow').deployment, metadata: 'service' as const, serviceUrl: 'http://metadata.internal' };

function compile(source: string, options: { staticBatchSteps?: string[] } = {}) {
  const graph = analyzeFlow(importPythonFlow(writeFlow(source)));
  const plan = planFlow(graph.document, OPTIONS);
  return { graph, plan, definition: buildMetaflowDefinition(plan, refs, deployment, options) };
}

/** Every state of the definition by name, Map iterations included. */
function allStates(states: Record<string, State>, into: Record<string, State> = {}): Record<string, State> {
  for (const [name, state] of Object.entries(states)) {
    into[name] = state;
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) allStates(inner.States, into);
    for (const branch of state.Branches ?? []) allStates(branch.States, into);
  }
  return into;
}

const { graph, plan, definition } = compile(NESTED_UBF);
const states = allStates(definition.States as Record<string, State>);
const script = (name: string): string => states[name].Parameters.ContainerOverrides.Command[2];
const env = (name: string): Array<Record<string, string>> => states[name].Parameters.ContainerOverrides.Environment;

describe('an unbounded foreach (@unbounded_test_foreach_internal), compiled', () => {
  test('the importer records the step; the foreach gets no strategy, no Map, and no DynamoDB cardinality read', () => {
    expect(graph.document.runtime).toEqual(expect.objectContaining({ unboundedForeachSteps: ['work'] }));
    expect(plan.foreachStrategies).toEqual({ start: 'inline-map' });
    expect(states.prepare.Next).toBe('work');
    expect(states.work.Next).toBe('gather');
    expect(states.work.Type).toBe('Task');
    expect(Object.values(states).filter((state) => state.Type === 'Map').length).toBe(1);
    expect(Object.values(states).filter((state) => state.Resource === 'arn:aws:states:::dynamodb:getItem').length).toBe(1);
    expect(validateAsl(definition)).toEqual(expect.objectContaining({ isValid: true, errors: [] }));
  });

  test('the control task: --ubf-context ubf_control, no split index, its split task as parent, no @batch or step_functions_internal', () => {
    const work = script('work');
    expect(work).toMatch(/ step work --run-id sfn-\$METAFLOW_RUN_ID --task-id \$\{AWS_BATCH_JOB_ID\} .* --input-paths sfn-\$\{METAFLOW_RUN_ID\}\/prepare\/\$\{METAFLOW_PARENT_TASK_ID\} --ubf-context ubf_control/);
    expect(work).not.toContain('--split-index');
    expect(work).not.toContain("--with 'batch:");
    expect(work).not.toContain('step_functions_internal');
    expect(env('work')).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.JobId' }]));
    expect(env('work').map((e) => e.Name)).not.toContain('METAFLOW_SPLIT_INDEX');
    // The join reads the split's id from the control task's job parameters; the outer foreach's id passes through.
    expect(states.work.Parameters.Parameters).toEqual(expect.objectContaining({ 'split_parent_task_id_prepare.$': '$.JobId', 'split_parent_task_id_start.$': '$.Parameters.split_parent_task_id_start' }));
  });

  test('the split runs without step_functions_internal (its cardinality is None); the other steps keep it and @batch', () => {
    expect(script('prepare')).not.toContain('step_functions_internal');
    expect(script('prepare')).toContain("--with 'batch:");
    for (const name of ['start', 'gather', 'merge', 'end']) expect(script(name)).toContain('--with=step_functions_internal');
  });

  test("the join reads the mapper tasks from the control task's _control_mapper_tasks; the outer join keeps its ordered read", () => {
    const gather = script('gather');
    expect(gather).toContain(controlMapperJoinInputsCommand('ShardFlow', 'work', deployment.datastoreRoot, 'mfcdkinputs', UBF_CONTROL_TASK_ID_ENV));
    expect(gather).toContain('--input-paths-filename mfcdkinputs');
    expect(gather).not.toContain('set_batch_environment parent_tasks');
    expect(env('gather')).toEqual(expect.arrayContaining([{ Name: UBF_CONTROL_TASK_ID_ENV, 'Value.$': '$.JobId' }]));
    expect(env('gather')).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_SPLIT_PARENT_TASK_ID', 'Value.$': '$.Parameters.split_parent_task_id_prepare' }]));
    expect(script('merge')).toContain(JOIN_ORDER_KEY_SUFFIX);
  });

  test('only steps that coordinate a bounded foreach get the DynamoDB table: not the split or the control task', () => {
    const table = (name: string) => env(name).some((e) => e.Name === 'METAFLOW_SFN_DYNAMO_DB_TABLE');
    expect(['start', 'prepare', 'work', 'gather', 'merge', 'end'].filter(table)).toEqual(['start', 'gather', 'merge']);
    expect(['start', 'prepare', 'work', 'gather', 'merge', 'end'].filter((name) => needsDynamoDbTable(graph, name))).toEqual(['start', 'gather', 'merge']);
  });

  test("the diagram names the foreach's shape", () => {
    expect(foreachStrategyLine(graph.nodes.get('prepare')!, graph)).toBe('unbounded foreach: one control task runs the mapper tasks');
    expect(foreachStrategyLine(graph.nodes.get('start')!, graph)).toMatch(/^foreach strategy: inline-map/);
  });
});

describe('what an unbounded-foreach step refuses, at synth', () => {
  const swap = (from: string, to: string) => NESTED_UBF.replace(from, to);

  test('a step that does not follow a foreach', () => {
    const source = swap('    @step\n    def end(self):', '    @unbounded_test_foreach_internal\n    @step\n    def end(self):');
    const problems = problemsOfCall(() => planFlow(importPythonFlow(writeFlow(source)), OPTIONS));
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "ShardFlow" step "end"', field: '@unbounded_test_foreach_internal', value: ['merge'], message: expect.stringMatching(/must be the body of a foreach/) })]);
  });

  test('a body longer than the one step: the control task runs only its own mappers', () => {
    const source = swap('        self.shard = self.input\n        self.next(self.gather)', '        self.shard = self.input\n        self.next(self.more)\n\n    @step\n    def more(self):\n        self.next(self.gather)');
    const problems = problemsOfCall(() => planFlow(importPythonFlow(writeFlow(source)), OPTIONS));
    expect(problems).toEqual([expect.objectContaining({ field: '@unbounded_test_foreach_internal', value: ['more'], fix: expect.stringMatching(/self\.next\(self\.gather\) from work/) })]);
  });

  test('@retry or @catch: Metaflow does not retry a control task', () => {
    const source = swap('    @unbounded_test_foreach_internal\n', '    @retry\n    @unbounded_test_foreach_internal\n').replace('import FlowSpec,', 'import retry, FlowSpec,');
    const problems = problemsOfCall(() => planFlow(importPythonFlow(writeFlow(source)), OPTIONS));
    expect(problems).toEqual([expect.objectContaining({ field: '@retry', message: expect.stringMatching(/does not retry an unbounded-foreach control task/) })]);
  });

  test("a static @batch: Metaflow's @batch would wait for a task count it never sees", () => {
    const problems = problemsOfCall(() => compile(NESTED_UBF, { staticBatchSteps: ['work'] }));
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "ShardFlow" step "work"', field: '@batch', fix: expect.stringMatching(/remove @batch from work/) })]);
  });

  test("local metadata: the tasks' metadata would stay in the control task's container", () => {
    const local = { ...deployment, metadata: 'local' as const };
    const problems = problemsOfCall(() => buildMetaflowDefinition(plan, refs, local));
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "ShardFlow" step "work"', field: 'metadata', value: 'local', fix: expect.stringContaining('serviceUrl') })]);
  });

  test('a foreach strategy forced on the unbounded foreach', () => {
    const problems = problemsOfCall(() => planFlow(graph.document, { ...OPTIONS, foreachStrategies: { prepare: 'array-job' } }));
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "ShardFlow" step "prepare"', field: 'foreachStrategy', fix: 'remove "prepare" from foreachStrategies' })]);
  });

  test('a flow document that names a step the flow does not have', () => {
    const runtime = { ...graph.document.runtime!, unboundedForeachSteps: ['work', 'wrok'] };
    const problems = problemsOfCall(() => planFlow({ ...graph.document, runtime }, OPTIONS));
    expect(problems).toEqual([expect.objectContaining({ field: 'runtime.unboundedForeachSteps', value: 'wrok', message: 'names no step of the flow' })]);
  });

  test('arguments to the decorator, which takes none', () => {
    const problems = problemsOf(swap('@unbounded_test_foreach_internal\n', '@unbounded_test_foreach_internal(width=3)\n'));
    expect(problems).toEqual([expect.objectContaining({ field: expect.stringContaining('width') })]);
  });
});
