import { spawnSync } from 'child_process';
import * as path from 'path';
import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../../lib/compile/metaflow-definition';
import { metaflowPlanProblems } from '../../../../lib/compile/metaflow-plan';
import { planFlow } from '../../../../lib/compile/plan';
import { ValidationError } from '../../../../lib/errors';
import { analyzeFlow } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import { controlMapperJoinInputsCommand } from '../../../../lib/runtime/metaflow/control-mapper-tasks';
import {
  METAFLOW_PARALLEL_SETUP,
  metaflowNodeRanges,
  metaflowParallelJoinInputPaths,
  metaflowParallelProblems,
  metaflowParallelWorkerFallbackSkip,
} from '../../../../lib/runtime/metaflow/parallel-step';
import { OPTIONS, flow, validateAsl } from '../../compile/helpers';
import { writeFlow } from '../../importer/import-source';
import { recorded } from './fixture-deployment';

const PARALLEL_FLOW_DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'metaflow', 'parallel_flow');

type State = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const graph = analyzeFlow(importPythonFlow(path.join(PARALLEL_FLOW_DIR, 'flow.py')));
const deployment = { ...recorded('linear_flow').deployment, metadata: 'service' as const, serviceUrl: 'http://metadata.internal' };
const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (key) => `jd-${key}`, jobQueueArn: (name) => `queue-${name}` };
const plan = planFlow(graph.document, OPTIONS);
const definition = buildMetaflowDefinition(plan, refs, deployment);
const states = definition.States as Record<string, State>;
const script = (overrides: State): string => overrides.Command[2];
const stepLine = (overrides: State): string => /\(python flow\.py (.*?)\) 1>>/.exec(script(overrides))![1];

describe('a num_parallel split, its @parallel step and the join, compiled', () => {
  test('the @parallel step is one multi-node job: control on node 0, workers on 1..N-1, no container overrides', () => {
    const train = states.train.Parameters;
    expect(train.ContainerOverrides).toBeUndefined();
    expect(train.NodeOverrides.NodePropertyOverrides.map((o: State) => o.TargetNodes)).toEqual(['0:0', '1:2']);
    const [control, worker] = train.NodeOverrides.NodePropertyOverrides.map((o: State) => o.ContainerOverrides);
    expect(stepLine(control)).toContain(' step train --run-id sfn-$METAFLOW_RUN_ID --task-id ${AWS_BATCH_JOB_ID%#*} --retry-count ');
    expect(stepLine(control)).toMatch(/ --input-paths sfn-\$\{METAFLOW_RUN_ID\}\/start\/\$\{METAFLOW_PARENT_TASK_ID\} --ubf-context ubf_control --split-index 0$/);
    expect(stepLine(worker)).toContain(' --task-id ${AWS_BATCH_JOB_ID%#*}-node-$AWS_BATCH_JOB_NODE_INDEX --retry-count ');
    expect(stepLine(worker)).toMatch(/ --ubf-context ubf_task --split-index \$AWS_BATCH_JOB_NODE_INDEX$/);
    for (const [overrides, id] of [[control, '${AWS_BATCH_JOB_ID%#*}'], [worker, '${AWS_BATCH_JOB_ID%#*}-node-$AWS_BATCH_JOB_NODE_INDEX']] as const) {
      expect(script(overrides)).toContain(`MF_PATHSPEC=ParallelFlow/sfn-$METAFLOW_RUN_ID/train/${id} `);
      expect(script(overrides)).toContain(` && ${METAFLOW_PARALLEL_SETUP} && `);
      expect(script(overrides)).not.toContain('step_functions_internal');
      expect(overrides.Environment).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.JobId' }]));
    }
    // Everything else is what Metaflow's compiler gives a step: same environment on both ranges, job parameters.
    expect(worker.Environment).toEqual(control.Environment);
    expect(worker.ResourceRequirements).toEqual(control.ResourceRequirements);
    expect(train.Parameters).toEqual(expect.objectContaining({ step_name: 'train', 'metaflow.run_id.$': "$.Parameters['metaflow.run_id']" }));
  });

  test('the multi-node job keeps its task ids across attempts: Batch retries only, no fresh job after a host failure', () => {
    expect(states.train.Parameters.RetryStrategy).toEqual({ Attempts: 1 });
    expect(states.train.Catch).toBeUndefined();
    expect(Object.keys(states).filter((s) => s.startsWith('train.'))).toEqual([]);
    expect(states.gather.Catch).toBeDefined();
  });

  test('the split and the @parallel step run without step_functions_internal; the other steps keep it', () => {
    const command = (name: string) => script(states[name].Parameters.ContainerOverrides);
    expect(command('start')).not.toContain('--with=step_functions_internal');
    expect(command('gather')).toContain('--with=step_functions_internal');
    expect(command('end')).toContain('--with=step_functions_internal');
  });

  test("the join's input paths are every mapper task in node order, built from the multi-node job's id", () => {
    const gather = states.gather.Parameters.ContainerOverrides;
    const paths = 'sfn-${METAFLOW_RUN_ID}/train/:${METAFLOW_PARENT_TASK_ID},${METAFLOW_PARENT_TASK_ID}-node-1,${METAFLOW_PARENT_TASK_ID}-node-2';
    expect(metaflowParallelJoinInputPaths('train', 3)).toBe(paths);
    expect(stepLine(gather)).toContain(` --input-paths ${paths}`);
    expect(gather.Environment).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.JobId' }, { Name: 'METAFLOW_INPUT_PATHS', Value: paths }]));
    expect(states.train.Next).toBe('gather');
    expect(states.start.Next).toBe('train');
  });

  test('the job definition is multinode with Metaflow node ranges, and the definition is valid ASL', () => {
    const train = plan.jobDefinitions.find((jd) => jd.key === plan.steps.get('train')!.jobDefinitionKey)!;
    expect({ type: train.type, numNodes: train.numNodes, nodeRanges: train.nodeRanges }).toEqual({ type: 'multinode', numNodes: 3, nodeRanges: ['0:0', '1:2'] });
    expect(metaflowNodeRanges(1)).toEqual(['0:0']);
    expect(validateAsl(definition)).toEqual(expect.objectContaining({ isValid: true, errors: [] }));
  });
});

/** TagCatchTest's @parallel step: it dies on all three attempts, then @catch's fallback runs (Metaflow's core suite). */
const PARALLEL_CATCH = `
import os
import signal
from metaflow import FlowSpec, catch, parallel, retry, step


class CatchParallelFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=4)

    @catch(var="failure", print_exception=False)
    @retry(times=2)
    @parallel
    @step
    def train(self):
        os.kill(os.getpid(), signal.SIGKILL)
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    CatchParallelFlow()
`;

describe("a @parallel step with @catch: the fallback attempt runs on the control node alone, as Metaflow's runtime runs it", () => {
  const catchGraph = analyzeFlow(importPythonFlow(writeFlow(PARALLEL_CATCH)));
  const catchStates = buildMetaflowDefinition(planFlow(catchGraph.document, OPTIONS), refs, deployment).States as Record<string, State>;
  const [control, worker] = catchStates.train.Parameters.NodeOverrides.NodePropertyOverrides.map((o: State) => o.ContainerOverrides);

  test('workers skip the attempts past the user retries; the control node runs every attempt', () => {
    expect(catchStates.train.Parameters.RetryStrategy.Attempts).toBe(6); // 1 + 2 retries + 3 for the fallback
    expect(script(worker).startsWith(`${metaflowParallelWorkerFallbackSkip(2)} && `)).toBe(true);
    expect(script(control)).not.toContain('fallback');
    expect(script(states.train.Parameters.NodeOverrides.NodePropertyOverrides[1].ContainerOverrides)).not.toContain('fallback');
  });

  test.each([
    [1, true],
    [3, true],
    [4, false],
    [6, false],
  ])('Batch attempt %i: the worker runs its task: %s', (attempt, runs) => {
    const ran = spawnSync('bash', ['-c', `${metaflowParallelWorkerFallbackSkip(2)} && echo task`], {
      env: { PATH: process.env.PATH, AWS_BATCH_JOB_ATTEMPT: String(attempt), AWS_BATCH_JOB_NODE_INDEX: '2' },
      encoding: 'utf-8',
    });
    expect(ran.status).toBe(0);
    expect(ran.stdout).toBe(runs ? 'task\n' : "@catch's fallback runs on the control node alone: worker node 2 has no task in this attempt\n");
  });

  test("the join reads its parents from the control task's _control_mapper_tasks (the control task alone after the fallback)", () => {
    const gather = catchStates.gather.Parameters.ContainerOverrides;
    expect(script(gather)).toContain(controlMapperJoinInputsCommand('CatchParallelFlow', 'train', deployment.datastoreRoot, 'mfcdkinputs', 'METAFLOW_PARENT_TASK_ID'));
    const step = / step gather (.*?)\) 1>>/.exec(script(gather))![1];
    expect(step).toContain(' --input-paths-filename mfcdkinputs');
    expect(step).not.toContain('--input-paths ');
    expect(gather.Environment).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.JobId' }]));
  });
});

describe('what a Metaflow @parallel step refuses', () => {
  test('local metadata with more than one node: the control task could not see its workers', () => {
    const problems = metaflowParallelProblems(graph, { ...deployment, metadata: 'local' });
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "ParallelFlow" step "train"', field: 'metadata', value: 'local', fix: expect.stringContaining('serviceUrl') })]);
    expect(metaflowParallelProblems(graph, deployment)).toEqual([]);
    expect(() => buildMetaflowDefinition(plan, refs, { ...deployment, metadata: 'local' })).toThrow(ValidationError);
  });

  test('a num_parallel split inside a foreach', () => {
    const doc = flow(
      'Nested',
      [
        { name: 'start', next: ['prepare'], foreach: 'regions' },
        { name: 'prepare', next: ['train'], numParallel: 2 },
        { name: 'train', next: ['gather'], parallel: true },
        { name: 'gather', next: ['merge'], join: true },
        { name: 'merge', next: ['end'], join: true },
        { name: 'end', next: [] },
      ],
      { runtime: { kind: 'metaflow', flowFile: 'f.py', flowClass: 'Nested' } },
    );
    const problems = metaflowPlanProblems(analyzeFlow(doc), OPTIONS);
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "Nested" step "train"', field: 'parallel', value: 'inside foreach "start"' })]);
    expect(problems[0].fix).toMatch(/move the num_parallel split out of foreach "start"/);
  });
});

describe('retry delays on a @parallel step', () => {
  test('are refused at synth: its multi-node job retries inside Batch, which cannot wait', () => {
    expect(() => buildMetaflowDefinition(plan, refs, deployment, { retryDelayMinutes: { train: 5 } })).toThrow(
      /step "train": minutes_between_retries = 5: a @parallel step retries inside its multi-node Batch job/,
    );
    expect(() => buildMetaflowDefinition(plan, refs, deployment, { retryDelayMinutes: { end: 5 } })).not.toThrow();
  });
});
