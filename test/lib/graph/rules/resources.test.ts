import { memoryFitProblems, settingsProblems } from '../../../../lib/graph/rules/resources';
import { StepSettings } from '../../../../lib/graph/model';
import { expectProblem, expectValid, linearFlow } from '../flows';

const fields = (settings: StepSettings) => settingsProblems(settings, 'here').map((p) => p.field);

describe('settings rules (resources, retry, timeout, formats)', () => {
  it.each<[string, StepSettings, StepSettings]>([
    ['cpu', { cpu: 0 }, { cpu: 0.25 }],
    ['cpu', { cpu: 1.5 }, { cpu: 96 }],
    ['memory', { memory: 3 }, { memory: 4 }],
    ['memory', { memory: 1024.5 }, { memory: 1024 }],
    ['gpu', { gpu: -1 }, { gpu: 0 }],
    ['sharedMemory', { sharedMemory: 0 }, { sharedMemory: 1 }],
    ['maxSwap', { maxSwap: -1 }, { maxSwap: 0 }],
    ['swappiness', { swappiness: 101 }, { swappiness: 100 }],
    ['swappiness', { swappiness: -1 }, { swappiness: 0 }],
    ['inferentia', { inferentia: 1.5 }, { inferentia: 2 }],
    ['efa', { efa: -2 }, { efa: 1 }],
    ['ephemeralStorage', { ephemeralStorage: 20 }, { ephemeralStorage: 21 }],
    ['ephemeralStorage', { ephemeralStorage: 201 }, { ephemeralStorage: 200 }],
    ['retry.times', { retry: { times: 5 } }, { retry: { times: 4 } }],
    ['retry.times', { retry: { times: -1 } }, { retry: { times: 0 } }],
    ['retry.minutesBetweenRetries', { retry: { times: 1, minutesBetweenRetries: -1 } }, { retry: { times: 1, minutesBetweenRetries: 0 } }],
    ['retry.minutesBetweenRetries', { retry: { times: 1, minutesBetweenRetries: 1_666_667 } }, { retry: { times: 1, minutesBetweenRetries: 1_666_666 } }],
    ['command[0]', { command: [' ', 'x'] }, { command: ['python', ''] }],
    ['timeoutSeconds', { timeoutSeconds: 59 }, { timeoutSeconds: 60 }],
    ['timeoutSeconds', { timeoutSeconds: 365 * 24 * 3600 + 1 }, { timeoutSeconds: 365 * 24 * 3600 }],
    ['image', { image: 'python 3' }, { image: 'python:3.12' }],
    ['queue', { queue: 'my queue' }, { queue: 'arn:aws:batch:us-east-1:123456789012:job-queue/gpu-q' }],
    ['iamRole', { iamRole: 'my-role' }, { iamRole: 'arn:aws:iam::123456789012:role/flow-role' }],
    ['executionRole', { executionRole: 'arn:aws:iam::1:role/x' }, { executionRole: 'arn:aws:iam::123456789012:role/exec' }],
    ['tmpfsPath', { useTmpfs: true, tmpfsPath: 'tmp' }, { useTmpfs: true, tmpfsPath: '/tmp/x' }],
    ['tmpfsSize', { tmpfsSize: 1024 }, { useTmpfs: true, tmpfsSize: 1024 }],
    ['tmpfsTempdir', { tmpfsTempdir: true }, { tmpfsTempdir: false }],
    ['catch.var', { catch: { var: '1bad' } }, { catch: { var: 'failure' } }],
    ['logDriver', { logDriver: 'stdout' }, { logDriver: 'awslogs' }],
    ['logOptions[0]', { logOptions: ['no-colon'] }, { logOptions: ['awslogs-group:/x'] }],
    ['awsBatchTags.aws:x', { awsBatchTags: { 'aws:x': 'y' } }, { awsBatchTags: { team: 'y' } }],
    ['secrets[0]', { secrets: ['bad secret'] }, { secrets: ['prod/db', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'] }],
    ['environment.1X', { environment: { '1X': 'v' } }, { environment: { X1: 'v' } }],
    ['environment.AWS_BATCH_X', { environment: { AWS_BATCH_X: 'v' } }, { environment: { AWS_REGION_X: 'v' } }],
    ['command', { command: [] }, { command: ['python', 'x.py'] }],
    ['trainium', { inferentia: 1, trainium: 1 }, { trainium: 1 }],
    ['gpu', { gpu: 1, inferentia: 1 }, { gpu: 1 }],
  ])('%s: refuses %j, accepts %j', (field, bad, good) => {
    expect(fields(bad)).toContain(field);
    expect(fields(good)).toEqual([]);
  });

  it('reports step settings through validateFlow with the step and the fix', () => {
    const problems = expectProblem(linearFlow({}, { retry: { times: 7 } }), { where: 'flow "TestFlow" step "work"', field: 'retry.times', value: 7 });
    expect(problems.find((p) => p.field === 'retry.times')!.fix).toMatch(/0 to 4/);
    expectValid(linearFlow({}, { retry: { times: 4 } }));
  });

  it('refuses a timeout under 60 s for a generic step (Batch times it) and accepts one from 1 s for a Metaflow step (its task does)', () => {
    expectProblem(linearFlow({}, { timeoutSeconds: 5 }), { where: 'flow "TestFlow" step "work"', field: 'timeoutSeconds', message: /from 60 to/ });
    const metaflow = { runtime: { kind: 'metaflow' as const, flowFile: 'f.py', flowClass: 'F' } };
    expectValid(linearFlow(metaflow, { timeoutSeconds: 1 }));
    expectProblem(linearFlow(metaflow, { timeoutSeconds: 0 }), { field: 'timeoutSeconds', message: /from 1 to/ });
  });

  it('reports flow defaults once, on the defaults', () => {
    const problems = expectProblem(linearFlow({ defaults: { swappiness: 200 } }), { where: 'flow "TestFlow" defaults', field: 'swappiness' });
    expect(problems.filter((p) => p.field === 'swappiness')).toHaveLength(1);
  });
});

describe('memoryFitProblems', () => {
  const fit = (settings: StepSettings) => memoryFitProblems(settings, 'here').map((p) => `${p.field}: ${p.message}`);

  it('refuses shared memory or a tmpfs larger than the step memory, and both together beyond it', () => {
    expect(fit({ memory: 1024, sharedMemory: 4096 })).toEqual(["sharedMemory: shared memory (4096 MiB) is larger than the step's memory (1024 MiB); /dev/shm is part of the job's memory"]);
    expect(fit({ memory: 1024, useTmpfs: true, tmpfsSize: 2048 })).toEqual(["tmpfsSize: the tmpfs (2048 MiB) is larger than the step's memory (1024 MiB); a tmpfs is held in the job's memory"]);
    expect(fit({ memory: 4096, sharedMemory: 3000, useTmpfs: true })).toEqual(["sharedMemory: shared memory (3000 MiB) and the tmpfs (2048 MiB) together exceed the step's memory (4096 MiB)"]);
  });

  it('accepts mounts that fit', () => {
    expect(fit({ memory: 4096, sharedMemory: 1024, useTmpfs: true, tmpfsSize: 2048 })).toEqual([]);
    expect(fit({ memory: 4096, useTmpfs: true })).toEqual([]);
    expect(fit({ sharedMemory: 99999 })).toEqual([]);
  });

  it('judges the effective step, defaults merged, in flow validation', () => {
    expectProblem(linearFlow({ defaults: { memory: 1024 }, steps: [{ name: 'start', next: ['end'], sharedMemory: 2048 }, { name: 'end', next: [] }] }), { field: 'sharedMemory', value: 2048 });
  });
});
