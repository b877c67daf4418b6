import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MetaflowComputeEnvironment } from '../../../constructs/compute/compute-environment';
import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';
import { MetaflowJobQueue } from '../../../constructs/queues/job-queue';
import { newStack, newVpc, problemsOf } from '../support';

function setup() {
  const stack = newStack();
  const vpc = newVpc(stack);
  return {
    stack,
    spot: new MetaflowComputeEnvironment(stack, 'Spot', { ...ComputeEnvironmentPresets.spot({ maxVcpus: 512 }), vpc }),
    onDemand: new MetaflowComputeEnvironment(stack, 'OnDemand', { ...ComputeEnvironmentPresets.onDemand({ maxVcpus: 64 }), vpc }),
    gpu: new MetaflowComputeEnvironment(stack, 'Gpu', { ...ComputeEnvironmentPresets.gpu(), vpc }),
    fargate: new MetaflowComputeEnvironment(stack, 'Fargate', { ...ComputeEnvironmentPresets.fargate(), vpc }),
  };
}

describe('MetaflowJobQueue', () => {
  let template: Template;
  let cpu: MetaflowJobQueue;
  let gpu: MetaflowJobQueue;
  beforeAll(() => {
    const s = setup();
    cpu = new MetaflowJobQueue(s.stack, 'Cpu', { name: 'cpu', priority: 20, computeEnvironments: [s.spot, s.onDemand] });
    gpu = new MetaflowJobQueue(s.stack, 'GpuQueue', {
      name: 'gpu',
      priority: 10,
      computeEnvironments: [{ computeEnvironment: s.gpu, order: 5 }],
      runnableWatchdog: { misconfigured: Duration.minutes(30), insufficientCapacity: Duration.hours(2) },
    });
    new MetaflowJobQueue(s.stack, 'NoWatch', { name: 'nowatch', computeEnvironments: [s.fargate], runnableWatchdog: false });
    template = Template.fromStack(s.stack);
  });

  const queue = (prefix: string) => Object.entries(template.findResources('AWS::Batch::JobQueue')).find(([id]) => id.startsWith(prefix))![1].Properties;

  it('orders environments spot first, on-demand as fallback', () => {
    const order = queue('Cpu').ComputeEnvironmentOrder;
    expect(order).toEqual([
      { ComputeEnvironment: { 'Fn::GetAtt': [expect.stringMatching(/^Spot/), 'ComputeEnvironmentArn'] }, Order: 1 },
      { ComputeEnvironment: { 'Fn::GetAtt': [expect.stringMatching(/^OnDemand/), 'ComputeEnvironmentArn'] }, Order: 2 },
    ]);
    expect(queue('Cpu').Priority).toBe(20);
  });

  it('cancels jobs that can never be placed after 10 minutes by default', () => {
    expect(queue('Cpu').JobStateTimeLimitActions).toEqual([
      { Action: 'CANCEL', MaxTimeSeconds: 600, Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', State: 'RUNNABLE' },
      { Action: 'CANCEL', MaxTimeSeconds: 600, Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', State: 'RUNNABLE' },
    ]);
  });

  it('takes custom watchdog times and an explicit order, or no watchdog', () => {
    expect(queue('GpuQueue').JobStateTimeLimitActions.map((a: { Reason: string; MaxTimeSeconds: number }) => [a.Reason, a.MaxTimeSeconds])).toEqual([
      ['MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', 1800],
      ['MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', 1800],
      ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 7200],
    ]);
    expect(queue('GpuQueue').ComputeEnvironmentOrder[0].Order).toBe(5);
    expect(queue('NoWatch').JobStateTimeLimitActions).toBeUndefined();
  });

  it('computes capabilities from its environments', () => {
    expect(cpu.capabilities).toEqual({ platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 512 });
    expect(gpu.capabilities).toMatchObject({ gpu: true, spot: false, maxVcpus: 64 });
    expect(cpu.name).toBe('cpu');
  });

  it('imports a queue with declared capabilities', () => {
    const stack = newStack();
    const ref = MetaflowJobQueue.fromJobQueueArn(stack, 'Q', 'arn:aws:batch:eu-west-1:123456789012:job-queue/shared', {
      name: 'shared',
      capabilities: { platform: 'FARGATE', gpu: false, neuron: false, spot: true, maxVcpus: 16 },
    });
    expect(ref.queue.jobQueueArn).toBe('arn:aws:batch:eu-west-1:123456789012:job-queue/shared');
    expect(ref.capabilities.platform).toBe('FARGATE');
  });
});

describe('MetaflowJobQueue bad input', () => {
  it.each([
    [{ misconfigured: Duration.minutes(1) }, 'runnableWatchdog.misconfigured', '60 seconds'],
    [{ insufficientCapacity: Duration.days(2) }, 'runnableWatchdog.insufficientCapacity', '172800 seconds'],
  ])('refuses a RUNNABLE watchdog wait outside Batch\'s 10 minutes to 1 day (%p)', (runnableWatchdog, field, value) => {
    const s = setup();
    expect(problemsOf(() => new MetaflowJobQueue(s.stack, 'Q', { name: 'q', computeEnvironments: [s.spot], runnableWatchdog }))).toEqual([
      expect.objectContaining({ where: 'Test/Q', field, value, fix: expect.stringContaining('Duration.minutes(10) to Duration.days(1)') }),
    ]);
  });

  it('refuses a queue with no compute environment', () => {
    const s = setup();
    const [p] = problemsOf(() => new MetaflowJobQueue(s.stack, 'Q', { name: 'empty', computeEnvironments: [] }));
    expect(p).toMatchObject({ where: 'Test/Q queue "empty"', field: 'computeEnvironments' });
  });

  it('refuses Fargate and EC2 environments in one queue', () => {
    const s = setup();
    const [p] = problemsOf(() => new MetaflowJobQueue(s.stack, 'Q', { name: 'mixed', computeEnvironments: [s.spot, s.fargate] }));
    expect(p.message).toContain('Fargate and EC2 environments are mixed');
  });

  it('refuses duplicate environment orders', () => {
    const s = setup();
    const [p] = problemsOf(() => new MetaflowJobQueue(s.stack, 'Q', {
      name: 'q',
      computeEnvironments: [{ computeEnvironment: s.spot, order: 2 }, { computeEnvironment: s.onDemand, order: 2 }],
    }));
    expect(p.message).toContain('has the same order');
  });
});
