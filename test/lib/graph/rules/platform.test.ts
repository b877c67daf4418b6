import { FARGATE_MEMORY_BY_CPU, ec2Problems, fargateProblems, platformProblems } from '../../../../lib/graph/rules/platform';
import { expectProblem, expectValid, linearFlow } from '../flows';

describe('Fargate and EC2 platform rules', () => {
  it('accepts every Fargate vCPU/memory pair and refuses memory between the steps', () => {
    for (const [cpu, memories] of FARGATE_MEMORY_BY_CPU) {
      for (const memory of memories) expect(fargateProblems({ cpu, memory }, 'w')).toEqual([]);
    }
    expect(fargateProblems({ cpu: 1, memory: 2500 }, 'w').map((p) => p.field)).toEqual(['memory']);
    expect(fargateProblems({ cpu: 16, memory: 32768 + 4096 }, 'w').map((p) => p.field)).toEqual(['memory']);
  });

  it('explains the fix for a memory Fargate does not offer', () => {
    const [problem] = fargateProblems({ cpu: 0.25, memory: 4096 }, 'flow "F" step "s"');
    expect(problem).toMatchObject({ where: 'flow "F" step "s"', field: 'memory', value: 4096 });
    expect(problem.fix).toContain('set memory to 2048');
    expect(problem.fix).toContain('0.5, 1, 2');
  });

  it('refuses a vCPU count Fargate does not offer; uses Metaflow defaults (1 vCPU, 4096 MiB) when unset', () => {
    expect(fargateProblems({ cpu: 3, memory: 8192 }, 'w').map((p) => p.field)).toEqual(['cpu']);
    expect(fargateProblems({}, 'w')).toEqual([]);
  });

  it.each(['gpu', 'inferentia', 'trainium', 'efa', 'useTmpfs', 'maxSwap', 'swappiness', 'privileged', 'sharedMemory', 'parallel'])('refuses %s on Fargate', (field) => {
    const value = ['useTmpfs', 'privileged', 'parallel'].includes(field) ? true : 1;
    expect(fargateProblems({ [field]: value }, 'w').map((p) => p.field)).toEqual([field]);
  });

  it('refuses log drivers Batch does not run on Fargate, keeps awslogs and splunk', () => {
    expect(fargateProblems({ cpu: 1, memory: 2048, logDriver: 'fluentd' }, 'w')).toEqual([expect.objectContaining({ field: 'logDriver', value: 'fluentd', message: expect.stringContaining('log drivers other than awslogs and splunk') })]);
    for (const logDriver of ['awslogs', 'splunk']) expect(fargateProblems({ cpu: 1, memory: 2048, logDriver }, 'w')).toEqual([]);
  });

  it('refuses ephemeral storage and fractional vCPUs off Fargate', () => {
    expect(ec2Problems({ ephemeralStorage: 30, cpu: 0.5 }, 'w').map((p) => p.field)).toEqual(['ephemeralStorage', 'cpu']);
    expect(ec2Problems({ cpu: 4, memory: 3000, gpu: 1 }, 'w')).toEqual([]);
  });

  it('dispatches on the queue platform and says why', () => {
    expect(platformProblems({ gpu: 1 }, 'FARGATE_SPOT', 'w')[0].message).toContain('FARGATE_SPOT');
    expect(platformProblems({ gpu: 1 }, 'SPOT', 'w')).toEqual([]);
    expect(platformProblems({ ephemeralStorage: 50 }, 'EC2', 'w').map((p) => p.field)).toEqual(['ephemeralStorage']);
  });

  describe('what the document alone implies', () => {
    it('refuses GPU next to ephemeral storage (a Fargate-only setting)', () => {
      expectProblem(linearFlow({}, { ephemeralStorage: 50, gpu: 1 }), { where: /step "work"/, field: 'gpu', message: /ephemeralStorage makes it a Fargate job/ });
    });

    it('checks the Fargate pair when cpu is fractional, with memory from the flow defaults', () => {
      expectProblem(linearFlow({ defaults: { memory: 8192 } }, { cpu: 0.5 }), { where: /step "work"/, field: 'memory', value: 8192 });
      expectValid(linearFlow({ defaults: { memory: 4096 } }, { cpu: 0.5 }));
    });

    it('refuses a multi-node parallel step that ephemeral storage puts on Fargate', () => {
      expectProblem(
        { version: 1, name: 'P', steps: [
          { name: 'start', next: ['train'], numParallel: 2 },
          { name: 'train', next: ['gather'], parallel: true, ephemeralStorage: 30 },
          { name: 'gather', next: ['end'], join: true },
          { name: 'end', next: [] },
        ] },
        { where: /step "train"/, field: 'parallel' },
      );
    });

    it('accepts EC2-only settings when nothing implies Fargate', () => {
      expectValid(linearFlow({}, { gpu: 1, useTmpfs: true, tmpfsSize: 1024, swappiness: 60, maxSwap: 4096, privileged: true, sharedMemory: 1024, efa: 1 }));
    });
  });
});
