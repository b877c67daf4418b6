import { analyzeFlow } from '../../../lib/graph/analyze';
import { findQueue, routingProblems } from '../../../lib/compile/routing';
import { OPTIONS, PARALLEL, flow, step } from './helpers';

const node = (extra: object, name = 'start') => analyzeFlow(flow('R', [step('start', ['end'], extra), step('end', [])])).nodes.get(name)!;

describe('queue routing', () => {
  it('finds a queue by name or by ARN, else the default', () => {
    expect(findQueue(node({ queue: 'gpu' }), OPTIONS)!.name).toBe('gpu');
    expect(findQueue(node({ queue: 'arn:aws:batch:us-east-1:1:job-queue/fargate' }), OPTIONS)!.name).toBe('fargate');
    expect(findQueue(node({}), OPTIONS)!.name).toBe('cpu');
  });

  it('refuses a queue named by the ARN of another account or region, or by an ARN that is no queue', () => {
    const here = { ...OPTIONS, stackEnvironment: { account: '123456789012', region: 'eu-west-1' } };
    expect(routingProblems('R', node({ queue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/gpu' }), here)).toEqual([]);
    expect(routingProblems('R', node({ queue: 'arn:aws:batch:us-east-1:999999999999:job-queue/cpu' }), here)).toEqual([
      expect.objectContaining({ field: 'queue', message: expect.stringContaining('account 999999999999 in us-east-1, while the flow deploys to account 123456789012 in eu-west-1') }),
    ]);
    expect(routingProblems('R', node({ queue: 'arn:aws:sqs:eu-west-1:123456789012:cpu' }), here)).toEqual([expect.objectContaining({ message: 'not a Batch job queue ARN' })]);
    // a stack without an account and region cannot judge where the ARN is
    expect(routingProblems('R', node({ queue: 'arn:aws:batch:us-east-1:999999999999:job-queue/cpu' }), OPTIONS)).toEqual([]);
  });

  it('accepts a step its queue can run', () => {
    expect(routingProblems('R', node({ queue: 'gpu', gpu: 1, cpu: 8 }), OPTIONS)).toEqual([]);
    expect(routingProblems('R', node({ queue: 'fargate', cpu: 0.5, memory: 1024 }), OPTIONS)).toEqual([]);
  });

  it('names the queues that would fit', () => {
    const [gpu] = routingProblems('R', node({ gpu: 1 }), OPTIONS);
    expect(gpu).toMatchObject({ where: 'flow "R" step "start"', field: 'gpu', value: 1 });
    expect(gpu.fix).toBe('set queue to "gpu"');
    const [neuron] = routingProblems('R', node({ inferentia: 1 }), OPTIONS);
    expect(neuron.fix).toMatch(/add a queue with Inferentia/);
  });

  it('refuses more vCPUs than any compute environment of the queue has, and Fargate limits', () => {
    expect(routingProblems('R', node({ cpu: 300 }), OPTIONS).map((p) => p.field)).toEqual(['cpu']);
    const fargate = routingProblems('R', node({ queue: 'fargate', cpu: 3 }), OPTIONS);
    expect(fargate.some((p) => p.field === 'cpu' && /Fargate/.test(p.message))).toBe(true);
  });

  it('refuses a multi-node parallel step on Fargate', () => {
    const graph = analyzeFlow({ ...PARALLEL, steps: PARALLEL.steps.map((s) => (s.name === 'train' ? { ...s, queue: 'fargate', memory: 2048 } : s)) });
    expect(routingProblems('Parallel', graph.nodes.get('train')!, OPTIONS).map((p) => p.field)).toEqual(['parallel']);
  });

  it('refuses an unknown queue, listing the known ones', () => {
    const [problem] = routingProblems('R', node({ queue: 'big' }), OPTIONS);
    expect(problem.fix).toBe('use one of "cpu", "gpu", "fargate"');
  });
});
