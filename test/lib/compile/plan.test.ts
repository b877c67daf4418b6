import { planFlow } from '../../../lib/compile/plan';
import { ValidationError } from '../../../lib/errors';
import { FOREACH, NESTED, OPTIONS, PARALLEL, flow, step } from './helpers';

function problemsOf(fn: () => unknown): Array<{ where: string; field: string; value: unknown; fix: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('planFlow', () => {
  it('shares one job definition between steps with equal settings', () => {
    const same = flow('Same', [step('start', ['a'], { command: ['node', 'x.mjs'] }), step('a', ['end'], { command: ['node', 'x.mjs'] }), step('end', [], { command: ['node', 'x.mjs'], memory: 8192 })]);
    const plan = planFlow(same, OPTIONS);
    expect(plan.jobDefinitions).toHaveLength(2);
    expect(plan.steps.get('start')!.jobDefinitionKey).toBe(plan.steps.get('a')!.jobDefinitionKey);
    expect(plan.steps.get('end')!.jobDefinitionKey).not.toBe(plan.steps.get('a')!.jobDefinitionKey);
  });

  it('chooses array-job for a chain body, distributed-map for a nested body, inline-map when maxNumSplits is small', () => {
    expect(planFlow(FOREACH, OPTIONS).foreachStrategies).toEqual({ start: 'array-job' });
    expect(planFlow(NESTED, OPTIONS).foreachStrategies).toEqual({ start: 'distributed-map' });
    expect(planFlow({ ...NESTED, maxNumSplits: 40 }, OPTIONS).foreachStrategies).toEqual({ start: 'inline-map' });
    expect(planFlow(FOREACH, OPTIONS).manifest.steps[0]).toEqual({ name: 'start', type: 'foreach', foreachStrategy: 'array-job' });
  });

  it('retries array-job body steps inside Batch, every other step per task', () => {
    const plan = planFlow(FOREACH, OPTIONS);
    expect(plan.steps.get('body1')!.retryMode).toBe('array');
    expect(plan.steps.get('join')!.retryMode).toBe('task');
    expect(plan.steps.get('start')!.foreachStrategy).toBe('array-job');
  });

  it('routes steps to their queue, the default queue otherwise', () => {
    const doc = flow('Route', [step('start', ['end'], { queue: 'gpu', gpu: 1 }), step('end', [])]);
    const plan = planFlow(doc, OPTIONS);
    expect(plan.steps.get('start')!.queueName).toBe('gpu');
    expect(plan.steps.get('end')!.queueName).toBe('cpu');
  });

  it('makes a multi-node job definition for the parallel step', () => {
    const plan = planFlow(PARALLEL, OPTIONS);
    const jd = plan.jobDefinitions.find((j) => j.key === plan.steps.get('train')!.jobDefinitionKey)!;
    expect(jd).toMatchObject({ type: 'multinode', numNodes: 4 });
  });

  it('reports every compile problem of a flow at once, each with step, field, value and fix', () => {
    const doc = flow('Bad', [
      step('start', ['a'], { gpu: 1 }),
      step('a', ['b'], { queue: 'fargate', cpu: 3, memory: 1000 }),
      step('b', ['c'], { cpu: 512 }),
      step('c', ['end'], { queue: 'nowhere' }),
      step('end', [], { command: undefined, secrets: ['db'] }),
    ]);
    const problems = problemsOf(() => planFlow(doc, { ...OPTIONS, image: undefined }));
    const got = problems.map((p) => `${p.where}|${p.field}`);
    expect(got).toEqual(
      expect.arrayContaining([
        'flow "Bad" step "start"|gpu',
        'flow "Bad" step "a"|cpu',
        'flow "Bad" step "b"|cpu',
        'flow "Bad" step "c"|queue',
        'flow "Bad" step "end"|command',
        'flow "Bad" step "end"|secrets',
        'flow "Bad" step "start"|image',
      ]),
    );
    const gpu = problems.find((p) => p.field === 'gpu')!;
    expect(gpu.value).toBe(1);
    expect(gpu.fix).toContain('"gpu"');
    expect(problems.find((p) => p.where.includes('"b"') && p.field === 'cpu')!.fix).toMatch(/at most 256/);
  });

  it('refuses a multi-node step on Fargate', () => {
    const doc = { ...PARALLEL, steps: PARALLEL.steps.map((s) => (s.name === 'train' ? { ...s, queue: 'fargate', memory: 2048 } : s)) };
    const problems = problemsOf(() => planFlow(doc, OPTIONS));
    expect(problems.some((p) => p.field === 'parallel' && p.where.includes('"train"'))).toBe(true);
  });

  it('refuses a multi-node step whose nodes together need more vCPUs than its queue has, or more nodes than Batch runs', () => {
    const wide = { ...PARALLEL, steps: PARALLEL.steps.map((s) => (s.name === 'train' ? { ...s, cpu: 64, queue: 'gpu' } : s)) };
    expect(problemsOf(() => planFlow(wide, OPTIONS))).toEqual([
      expect.objectContaining({ where: 'flow "Parallel" step "train"', field: 'cpu', value: 64, message: expect.stringContaining('4 nodes of 64 vCPUs need 256 vCPUs at once, and queue "gpu" has at most 64') }),
    ]);
    const many = { ...PARALLEL, steps: PARALLEL.steps.map((s) => (s.name === 'start' ? { ...s, numParallel: 1001 } : s)) };
    expect(problemsOf(() => planFlow(many, OPTIONS)).map((p) => `${p.field}=${String(p.value)}`)).toContain('numParallel=1001');
  });

  it('warns of a multi-node step on a queue with Spot capacity, where Batch runs no multi-node job', () => {
    expect(planFlow(PARALLEL, OPTIONS).warnings).toEqual([
      expect.objectContaining({ where: 'flow "Parallel" step "train"', field: 'queue', value: 'cpu', message: expect.stringContaining('never runs on Spot Instances') }),
    ]);
    const onDemand = { ...PARALLEL, steps: PARALLEL.steps.map((s) => (s.name === 'train' ? { ...s, queue: 'gpu' } : s)) };
    expect(planFlow(onDemand, OPTIONS).warnings).toEqual([]);
    expect(planFlow(FOREACH, OPTIONS).warnings).toEqual([]);
  });

  it('refuses awsBatchTags that, with the job tags and the library\'s, would take a job past Batch\'s 50 tags', () => {
    const tags = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    const doc = (own: number) => flow('Tags', [step('start', ['end'], { awsBatchTags: tags(own, 's') }), step('end', [])], { defaults: { awsBatchTags: tags(4, 'd') } });
    // 40 own + 4 defaults + 1 job definition tag + 4 SubmitJob keys + the owner tag = 50
    expect(() => planFlow(doc(40), { ...OPTIONS, jobTags: { 'metaflow-cdk:state-machine': 'Tags' } })).not.toThrow();
    expect(problemsOf(() => planFlow(doc(41), { ...OPTIONS, jobTags: { 'metaflow-cdk:state-machine': 'Tags' } }))).toEqual([
      expect.objectContaining({ where: 'flow "Tags" step "start"', field: 'awsBatchTags', message: expect.stringContaining('each job would carry 51 tags'), fix: expect.stringContaining('keep at most 44 awsBatchTags') }),
    ]);
  });

  it("refuses flow tags that would rename the flow for the CLI, or take the state machine past 50 tags", () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`t${i}`, 'v']));
    expect(problemsOf(() => planFlow({ ...PARALLEL, tags }, OPTIONS))).toEqual([expect.objectContaining({ field: 'tags', value: 49, fix: 'keep at most 48 tags' })]);
    expect(problemsOf(() => planFlow({ ...PARALLEL, tags: { 'metaflow-cdk:flow': 'Other' } }, OPTIONS))).toEqual([expect.objectContaining({ field: 'tags.metaflow-cdk:flow' })]);
  });

  it('refuses an array-job strategy for a nested body, an inline map that may grow too wide, and strategies for unknown steps', () => {
    const nested = problemsOf(() => planFlow(NESTED, { ...OPTIONS, foreachStrategies: { start: 'array-job', fan: 'inline-map' } }));
    expect(nested.map((p) => p.field).sort()).toEqual(['foreachStrategies', 'foreachStrategy']);
    expect(nested.find((p) => p.field === 'foreachStrategy')!.value).toBe('array-job');
    const wide = problemsOf(() => planFlow({ ...FOREACH, maxNumSplits: 5000 }, { ...OPTIONS, foreachStrategies: { start: 'inline-map' } }));
    expect(wide[0]).toMatchObject({ field: 'foreachStrategy', value: 'inline-map' });
  });

  it('refuses a strategy that does not exist (a typo from JavaScript or JSON)', () => {
    const options = { ...OPTIONS, foreachStrategies: { start: 'arrayjob' } } as unknown as typeof OPTIONS;
    expect(problemsOf(() => planFlow(FOREACH, options))).toEqual([
      expect.objectContaining({ field: 'foreachStrategies.start', value: 'arrayjob', fix: 'use one of "array-job", "distributed-map", "inline-map"' }),
    ]);
  });

  it('takes a forced strategy the body allows', () => {
    expect(planFlow(FOREACH, { ...OPTIONS, foreachStrategies: { start: 'distributed-map' } }).foreachStrategies.start).toBe('distributed-map');
  });

  it('keeps a chain body with @catch or retry delays off array jobs', () => {
    const doc = { ...FOREACH, steps: FOREACH.steps.map((s) => (s.name === 'body2' ? { ...s, retry: { times: 1, minutesBetweenRetries: 2 } } : s)) };
    expect(planFlow(doc, OPTIONS).foreachStrategies.start).toBe('distributed-map');
  });

  it('passes graph problems through unchanged', () => {
    const doc = flow('Broken', [step('start', ['missing']), step('end', [])]);
    expect(problemsOf(() => planFlow(doc, OPTIONS)).length).toBeGreaterThan(0);
  });

  it('plans a Metaflow flow: array-job chain foreaches, no command needed, @parallel as one multi-node job (not on Fargate)', () => {
    const runtime = { kind: 'metaflow' as const, flowFile: 'f.py', flowClass: 'F' };
    const strip = (d: typeof FOREACH) => d.steps.map(({ command: _c, ...s }) => s);
    const plan = planFlow({ ...FOREACH, runtime, steps: strip(FOREACH) }, OPTIONS);
    expect(Object.values(plan.foreachStrategies)).toEqual(['array-job']);
    const parallel = planFlow({ ...PARALLEL, runtime, steps: strip(PARALLEL) }, OPTIONS);
    const train = parallel.jobDefinitions.find((jd) => jd.key === parallel.steps.get('train')!.jobDefinitionKey)!;
    expect({ type: train.type, numNodes: train.numNodes, nodeRanges: train.nodeRanges }).toEqual({ type: 'multinode', numNodes: 4, nodeRanges: ['0:0', '1:3'] });
    const start = parallel.jobDefinitions.find((jd) => jd.key === parallel.steps.get('start')!.jobDefinitionKey)!;
    expect({ type: start.type, nodeRanges: start.nodeRanges }).toEqual({ type: 'container', nodeRanges: undefined });
    const onFargate = { ...PARALLEL, runtime, steps: strip(PARALLEL).map((s) => (s.name === 'train' ? { ...s, queue: 'fargate' } : s)) };
    const problems = problemsOf(() => planFlow(onFargate, OPTIONS));
    expect(problems).toEqual([expect.objectContaining({ where: expect.stringContaining('"train"'), field: 'parallel' })]);
    expect(problems[0].fix.length).toBeGreaterThan(0);
  });
});
