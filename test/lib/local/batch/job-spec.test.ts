import { inNodeRange, resolveJob, substituteParameters } from '../../../../lib/local/batch/job-spec';
import type { LocalResource } from '../../../../lib/local/template/assembly';

function definition(properties: Record<string, unknown>): LocalResource {
  return {
    stack: 'S',
    logicalId: 'Jd',
    type: 'AWS::Batch::JobDefinition',
    properties: properties as LocalResource['properties'],
    metadata: {},
    name: 'Jd',
    arn: 'arn:aws:batch:local:000000000000:job-definition/Jd:1',
  };
}

describe('job spec', () => {
  test('Ref:: placeholders take submit parameters over job definition defaults', () => {
    expect(substituteParameters(['run', 'Ref::in', '--out=Ref::out', 'Ref::inner'], { in: 'a', out: 'b', inner: 'c' })).toEqual(['run', 'a', '--out=b', 'c']);
    expect(substituteParameters(['Ref::missing'], {})).toEqual(['Ref::missing']);
    const job = resolveJob(definition({ ContainerProperties: { Command: ['echo', 'Ref::x'] }, Parameters: { x: 'default' } }), {
      JobDefinition: 'Jd', JobName: 'j', JobQueue: 'q', Parameters: { x: 'given' },
    });
    expect(job.node(0).command).toEqual(['echo', 'given']);
  });

  test('container overrides replace the command and add to the environment', () => {
    const job = resolveJob(
      definition({
        ContainerProperties: { Command: ['a'], Environment: [{ Name: 'A', Value: '1' }, { Name: 'B', Value: '2' }], Image: 'img', Secrets: [{ Name: 'S', ValueFrom: 'arn' }] },
        RetryStrategy: { Attempts: 2 },
        Timeout: { AttemptDurationSeconds: 100 },
      }),
      { JobDefinition: 'Jd', JobName: 'j', JobQueue: 'q', ContainerOverrides: { Command: ['b'], Environment: [{ Name: 'B', Value: '3' }] }, Timeout: { AttemptDurationSeconds: 60 } },
    );
    expect(job.node(0)).toEqual({ command: ['b'], env: { A: '1', B: '3' }, image: 'img', secrets: [{ name: 'S', valueFrom: 'arn' }] });
    expect(job.retryStrategy).toEqual({ Attempts: 2 });
    expect(job.attemptDurationSeconds).toBe(60);
    expect(job.multinode).toBe(false);
  });

  test('multi-node jobs pick the node range properties and overrides of each node', () => {
    expect(inNodeRange('0', 0, 4)).toBe(true);
    expect(inNodeRange('1:', 3, 4)).toBe(true);
    expect(inNodeRange(':1', 2, 4)).toBe(false);
    const job = resolveJob(
      definition({
        Type: 'multinode',
        NodeProperties: {
          NumNodes: 2,
          MainNode: 0,
          NodeRangeProperties: [{ TargetNodes: '0', Container: { Command: ['main'] } }, { TargetNodes: '1:', Container: { Command: ['worker'] } }],
        },
      }),
      { JobDefinition: 'Jd', JobName: 'j', JobQueue: 'q', NodeOverrides: { NumNodes: 3, NodePropertyOverrides: [{ TargetNodes: '2:', ContainerOverrides: { Environment: [{ Name: 'LAST', Value: 'y' }] } }] } },
    );
    expect(job.numNodes).toBe(3);
    expect([0, 1, 2].map((i) => job.node(i).command[0])).toEqual(['main', 'worker', 'worker']);
    expect(job.node(2).env).toEqual({ LAST: 'y' });
    expect(job.node(1).env).toEqual({});
  });
});
