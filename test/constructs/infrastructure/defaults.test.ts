import { defaultComputeEnvironments, defaultQueues } from '../../../constructs/infrastructure/defaults';

describe('defaults', () => {
  it('gives spot, on-demand, GPU and Fargate environments', () => {
    const envs = defaultComputeEnvironments();
    expect(envs).toEqual({
      spot: { platform: 'EC2', spot: true },
      onDemand: { platform: 'EC2', spot: false },
      gpu: { platform: 'EC2', accelerator: 'GPU', spot: false },
      fargate: { platform: 'FARGATE', spot: false },
    });
  });

  it('routes the CPU queue spot first with on-demand fallback, and every queue to known environments', () => {
    const envs = Object.keys(defaultComputeEnvironments());
    const queues = defaultQueues();
    expect(queues.map((q) => q.name)).toEqual(['cpu', 'gpu', 'fargate']);
    expect(queues[0].computeEnvironments).toEqual(['spot', 'onDemand']);
    for (const q of queues) for (const e of q.computeEnvironments) expect(envs).toContain(e);
  });
});
