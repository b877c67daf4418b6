import { analyzeFlow } from '../../../lib/graph/analyze';
import { retryCounterPath, submitJobState, taskEnvironment } from '../../../lib/compile/task-states';
import { BRANCH, FOREACH, PARALLEL } from './helpers';

const refs = { partition: 'aws-cn', jobDefinitionArn: 'jd', jobQueueArn: 'q' };
const names = (env: ReturnType<typeof taskEnvironment>) => env.map((e) => e.Name);

describe('task states', () => {
  it('submits with the flow/step job name, job keys as parameters and tags, in the given partition', () => {
    const graph = analyzeFlow(BRANCH);
    const state = submitJobState({ graph, node: graph.nodes.get('a')!, mode: 'single', insideMapIteration: false, refs, jobTags: { team: 'ml' } }) as unknown as Record<string, Record<string, unknown>> & { Resource: string };
    expect(state.Resource).toBe('arn:aws-cn:states:::batch:submitJob.sync');
    expect(state.Parameters.JobName).toBe('Branch-a');
    expect(state.Parameters.Tags).toEqual({ team: 'ml', 'metaflow.flow_name': 'Branch', 'metaflow.step_name': 'a', 'metaflow.run_id.$': '$.run.id', 'metaflow.user.$': '$.run.user' });
    expect(state.ResultPath).toBeNull();
  });

  it('gives array children the entry-script inputs instead of a task id', () => {
    const graph = analyzeFlow(FOREACH);
    const first = taskEnvironment({ graph, node: graph.nodes.get('body1')!, mode: 'array', insideMapIteration: false, foreachStep: 'start' });
    expect(names(first)).toEqual(expect.arrayContaining(['MF_ARRAY_PARENT', 'MF_ARRAY_OFFSET', 'MF_INPUT_PATHS']));
    expect(names(first)).not.toContain('MF_TASK_ID');
    const second = taskEnvironment({ graph, node: graph.nodes.get('body2')!, mode: 'array', insideMapIteration: false, foreachStep: 'start', previousBodyStep: 'body1' });
    expect(second).toContainEqual({ Name: 'MF_ARRAY_INPUT_STEP', Value: 'body1' });
  });

  it('keeps the foreach step job id for the fan-out (the Metaflow runtime keys DynamoDB by it)', () => {
    const graph = analyzeFlow(FOREACH);
    const state = submitJobState({ graph, node: graph.nodes.get('start')!, mode: 'single', insideMapIteration: false, refs, keepJobId: true });
    expect(state).toMatchObject({ ResultSelector: { 'JobId.$': '$.JobId' }, ResultPath: '$.job' });
  });

  it('sends multi-node overrides to every node and the static node count to the join', () => {
    const graph = analyzeFlow(PARALLEL);
    const train = submitJobState({ graph, node: graph.nodes.get('train')!, mode: 'multinode', insideMapIteration: false, refs }) as unknown as { Parameters: { NodeOverrides: { NodePropertyOverrides: Array<{ TargetNodes: string }> } } };
    expect(train.Parameters.NodeOverrides.NodePropertyOverrides[0].TargetNodes).toBe('0:');
    const join = taskEnvironment({ graph, node: graph.nodes.get('join')!, mode: 'single', insideMapIteration: false });
    expect(join).toContainEqual({ Name: 'MF_SPLIT_WIDTH', Value: '4' });
    expect(retryCounterPath('train')).toBe('$.retries.train.n');
  });
});
