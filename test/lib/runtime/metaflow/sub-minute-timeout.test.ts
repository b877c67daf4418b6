import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import { ValidationError } from '../../../../lib/errors';
import { analyzeFlow } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import type { MetaflowDeployment } from '../../../../lib/runtime/metaflow/deployment';
import { OPTIONS } from '../../compile/helpers';
import { writeFlow } from '../../importer/import-source';
import { recorded } from './fixture-deployment';

// A @timeout under Batch's 60 s minimum (Metaflow's TimeoutDecoratorTest uses 1 s): the task times it without
// Metaflow's @batch, which would refuse it; Batch gets its minimum. Runs with the real Metaflow: test/compat.

type State = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (key) => `jd-${key}`, jobQueueArn: (name) => `queue-${name}` };
const withService: MetaflowDeployment = { ...recorded('foreach_flow').deployment, metadata: 'service', serviceUrl: 'http://metadata.internal' };

const flow = (startDecorators: string[], extraSteps = '') => [
  'from metaflow import FlowSpec, step, batch, catch, timeout, parallel',
  'class ShortFlow(FlowSpec):',
  ...startDecorators.map((d) => `    ${d}`),
  '    @step',
  '    def start(self):',
  '        self.next(self.end)',
  extraSteps,
  '    @step',
  '    def end(self):',
  '        pass',
  'if __name__ == "__main__":',
  '    ShortFlow()',
].join('\n');

function compile(source: string, deployment: MetaflowDeployment, staticBatchSteps?: string[]) {
  const plan = planFlow(analyzeFlow(importPythonFlow(writeFlow(source))).document, OPTIONS);
  return { plan, definition: buildMetaflowDefinition(plan, refs, deployment, { staticBatchSteps }) };
}

function problemsOf(source: string, deployment: MetaflowDeployment, staticBatchSteps?: string[]) {
  try {
    compile(source, deployment, staticBatchSteps);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('@timeout under 60 seconds', () => {
  const { plan, definition } = compile(flow(['@catch(var="ex")', '@timeout(seconds=1)']), withService);
  const states = definition.States as Record<string, State>;

  test("every task of the flow runs without Metaflow's @batch (--with decorates every step, and it checks each step's timeout)", () => {
    const script = (name: string): string => states[name].Parameters.ContainerOverrides.Command[2];
    for (const step of ['start', 'end']) {
      expect(script(step)).not.toContain("--with 'batch:");
      expect(script(step)).toContain('--with=step_functions_internal');
    }
    const { definition: longer } = compile(flow(['@catch(var="ex")', '@timeout(seconds=60)']), withService);
    expect((longer.States as Record<string, State>).end.Parameters.ContainerOverrides.Command[2]).toContain("--with 'batch:");
  });

  test("Batch gets its minimum attempt duration, in the job parameters and the job definition", () => {
    expect(states.start.Parameters.Timeout).toEqual({ AttemptDurationSeconds: 60 });
    expect(states.end.Parameters.Timeout).toEqual({ AttemptDurationSeconds: 5 * 24 * 3600 });
    expect(plan.jobDefinitions.find((d) => d.key === plan.steps.get('start')!.jobDefinitionKey)!.timeoutSeconds).toBe(60);
  });

  test('is refused with local metadata, a written @batch or on a @parallel step, each with the way out', () => {
    const local = problemsOf(flow(['@timeout(seconds=5)']), { ...withService, metadata: 'local', serviceUrl: undefined });
    expect(local).toEqual([expect.objectContaining({
      where: expect.stringMatching(/^flow "ShortFlow" step "start" \(.*:5\)$/),
      field: '@timeout',
      value: 5,
      message: expect.stringMatching(/the flow's tasks run without Metaflow's @batch, which is what copies local metadata to the datastore/),
      fix: expect.stringMatching(/metadata service .* or give @timeout at least 60 seconds$/),
    })]);
    const written = problemsOf(flow(['@batch(cpu=2)', '@timeout(seconds=5)']), withService, ['start']);
    expect(written).toEqual([expect.objectContaining({ message: expect.stringMatching(/which the step's own @batch refuses/), fix: expect.stringMatching(/^remove @batch from start/) })]);
    const parallelSteps = [
      '    @step',
      '    def split(self):',
      '        self.next(self.train, num_parallel=2)',
      '    @timeout(seconds=5)',
      '    @parallel',
      '    @step',
      '    def train(self):',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        self.next(self.end)',
    ].join('\n');
    const source = flow([], parallelSteps).replace('self.next(self.end)', 'self.next(self.split)');
    expect(problemsOf(source, withService)).toEqual([expect.objectContaining({ where: expect.stringMatching(/step "train"/), message: expect.stringMatching(/the control task of the @parallel step train needs to wait for its workers/) })]);
  });
});
