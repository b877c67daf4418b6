import type { ComputeCapabilities } from '../../../lib/infrastructure/compute-rules';
import { type QueueSpec, queueCapabilities, validateQueues } from '../../../lib/infrastructure/queue-rules';

const caps = (over: Partial<ComputeCapabilities> = {}): ComputeCapabilities => ({ platform: 'EC2', gpu: false, neuron: false, spot: false, maxVcpus: 16, ...over });
const environments = new Map<string, ComputeCapabilities>([
  ['spot', caps({ spot: true, maxVcpus: 512 })],
  ['onDemand', caps()],
  ['gpu', caps({ gpu: true, maxVcpus: 64 })],
  ['fargate', caps({ platform: 'FARGATE' })],
]);
const queue = (name: string, priority: number, ...ces: string[]): QueueSpec => ({ name, priority, computeEnvironments: ces.map((n, i) => ({ name: n, order: i + 1 })) });
const check = (...queues: QueueSpec[]) => validateQueues('Stack/Infra', queues, environments);

describe('validateQueues', () => {
  it('accepts distinct priorities over homogeneous environments', () => {
    expect(check(queue('cpu', 30, 'spot', 'onDemand'), queue('gpu', 20, 'gpu'), queue('fargate', 10, 'fargate'))).toEqual([]);
  });

  it('refuses a queue with no compute environment', () => {
    const [p] = check(queue('empty', 1));
    expect(p).toMatchObject({ where: 'Stack/Infra queue "empty"', field: 'computeEnvironments', value: [] });
    expect(p.message).toContain('at least one compute environment');
  });

  it('refuses Fargate and EC2 environments in one queue', () => {
    const [p] = check(queue('mixed', 1, 'spot', 'fargate'));
    expect(p.value).toBe('EC2: spot; FARGATE: fargate');
    expect(p.message).toContain('Batch refuses this at deploy');
  });

  it('refuses duplicate queue priorities, naming the other queue', () => {
    const [p] = check(queue('a', 5, 'spot'), queue('b', 5, 'gpu'));
    expect(p).toMatchObject({ where: 'Stack/Infra queue "b"', field: 'priority', value: 5 });
    expect(p.message).toContain('queue "a" has the same priority');
  });

  it('refuses duplicate environment orders', () => {
    const [p] = check({ name: 'q', priority: 1, computeEnvironments: [{ name: 'spot', order: 1 }, { name: 'onDemand', order: 1 }] });
    expect(p).toMatchObject({ field: 'computeEnvironments["onDemand"].order', value: 1 });
    expect(p.message).toContain('environment "spot" has the same order');
  });

  it('refuses an environment listed twice in one queue', () => {
    expect(check(queue('q', 1, 'spot', 'spot'))).toEqual([expect.objectContaining({ where: 'Stack/Infra queue "q"', field: 'computeEnvironments', value: 'spot' })]);
  });

  it('refuses an unknown environment, listing the known ones', () => {
    const [p] = check(queue('q', 1, 'nope'));
    expect(p.fix).toBe('use one of: spot, onDemand, gpu, fargate');
  });

  it('refuses duplicate queue names, bad names, out-of-range priorities and orders', () => {
    expect(check(queue('q', 1, 'spot'), queue('q', 2, 'spot')).map((p) => p.message)).toEqual(['two queues have this name']);
    expect(check(queue('bad name', 1, 'spot'))[0].field).toBe('name');
    expect(check(queue('q', 1001, 'spot'))[0].message).toContain('0 to 1000');
    expect(check({ name: 'q', priority: 1, computeEnvironments: [{ name: 'spot', order: 0 }] })[0].message).toContain('at least 1');
  });

  it('refuses more than 3 environments per queue', () => {
    expect(check(queue('q', 1, 'spot', 'onDemand', 'gpu', 'spot'))[0].message).toBe('Batch allows at most 3 compute environments per queue');
  });
});

describe('queueCapabilities', () => {
  it('is the union of its environments', () => {
    expect(queueCapabilities([caps({ spot: true, maxVcpus: 512 }), caps({ gpu: true, maxVcpus: 64 })])).toEqual({
      platform: 'EC2',
      gpu: true,
      neuron: false,
      spot: true,
      maxVcpus: 512,
    });
  });

  it('needs an environment', () => {
    expect(() => queueCapabilities([])).toThrow();
  });
});
