import { Problem } from '../../errors';
import { METAFLOW_DEFAULT_CPU, METAFLOW_DEFAULT_MEMORY_MIB, StepSettings } from '../model';

/** Compute environment types of AWS Batch, as `describe_compute_environments` reports them. */
export type BatchPlatform = 'EC2' | 'SPOT' | 'FARGATE' | 'FARGATE_SPOT';

export function isFargate(platform: BatchPlatform): boolean {
  return platform === 'FARGATE' || platform === 'FARGATE_SPOT';
}

/** Fargate's vCPU → allowed memory (MiB) pairs. */
export const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** What a step on a platform is judged on: its settings plus whether it is a multi-node parallel step. */
export type PlatformStep = StepSettings & { readonly parallel?: boolean };

/** Settings that Fargate does not offer, with the reason. */
const NOT_ON_FARGATE: ReadonlyArray<{ field: keyof PlatformStep; used: (s: PlatformStep) => boolean; what: string }> = [
  { field: 'gpu', used: (s) => (s.gpu ?? 0) > 0, what: 'GPUs' },
  { field: 'inferentia', used: (s) => (s.inferentia ?? 0) > 0, what: 'Inferentia chips' },
  { field: 'trainium', used: (s) => (s.trainium ?? 0) > 0, what: 'Trainium chips' },
  { field: 'efa', used: (s) => (s.efa ?? 0) > 0, what: 'EFA devices' },
  { field: 'useTmpfs', used: (s) => s.useTmpfs === true, what: 'tmpfs mounts' },
  { field: 'maxSwap', used: (s) => s.maxSwap !== undefined, what: 'swap' },
  { field: 'swappiness', used: (s) => s.swappiness !== undefined, what: 'swappiness' },
  { field: 'privileged', used: (s) => s.privileged === true, what: 'privileged containers' },
  { field: 'sharedMemory', used: (s) => s.sharedMemory !== undefined, what: 'a /dev/shm size' },
  { field: 'parallel', used: (s) => s.parallel === true, what: 'multi-node parallel jobs' },
  // Batch's LogConfiguration: "Jobs that are running on Fargate resources are restricted to the awslogs and splunk log drivers"
  { field: 'logDriver', used: (s) => s.logDriver !== undefined && !['awslogs', 'splunk'].includes(s.logDriver), what: 'log drivers other than awslogs and splunk' },
];

/**
 * What AWS Batch refuses for a step that runs on Fargate: vCPU/memory pairs Fargate does not offer, and
 * accelerators, tmpfs, swap, privileged, shared memory and multi-node. The compiler calls it once it knows the
 * platform of the step's queue; the validator calls it when the document itself implies Fargate.
 */
export function fargateProblems(step: PlatformStep, where: string, because = 'on Fargate'): Problem[] {
  const problems: Problem[] = [];
  const cpu = step.cpu ?? METAFLOW_DEFAULT_CPU;
  const memory = step.memory ?? METAFLOW_DEFAULT_MEMORY_MIB;
  const allowed = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (allowed === undefined) {
    problems.push({
      where,
      field: 'cpu',
      value: cpu,
      message: `Fargate offers ${[...FARGATE_MEMORY_BY_CPU.keys()].join(', ')} vCPUs, not ${cpu} (${because})`,
      fix: `set cpu to one of ${[...FARGATE_MEMORY_BY_CPU.keys()].join(', ')}, or use an EC2 queue`,
    });
  } else if (!allowed.includes(memory)) {
    problems.push({
      where,
      field: 'memory',
      value: memory,
      message: `Fargate with ${cpu} vCPU offers ${describeMemory(allowed)} MiB of memory, not ${memory} (${because})`,
      fix: `set memory to ${nearest(allowed, memory)}, or pick the cpu that fits ${memory} MiB: ${cpusFor(memory) || 'none'}`,
    });
  }
  for (const rule of NOT_ON_FARGATE) {
    if (!rule.used(step)) continue;
    problems.push({
      where,
      field: rule.field,
      value: step[rule.field],
      message: `Fargate does not offer ${rule.what} (${because})`,
      fix: `remove ${rule.field}, or run the step on an EC2 or Spot queue`,
    });
  }
  return problems;
}

/** What AWS Batch refuses for a step that runs on EC2 or Spot: Fargate-only settings. */
export function ec2Problems(step: PlatformStep, where: string, because = 'on EC2'): Problem[] {
  const problems: Problem[] = [];
  if (step.ephemeralStorage !== undefined) {
    problems.push({
      where,
      field: 'ephemeralStorage',
      value: step.ephemeralStorage,
      message: `ephemeral storage is a Fargate setting (${because})`,
      fix: 'remove ephemeralStorage (EC2 jobs use the instance volume), or run the step on a Fargate queue',
    });
  }
  if (step.cpu !== undefined && !Number.isInteger(step.cpu)) {
    problems.push({
      where,
      field: 'cpu',
      value: step.cpu,
      message: `fractional vCPUs exist only on Fargate (${because})`,
      fix: `use a whole number of vCPUs such as ${Math.max(1, Math.ceil(step.cpu))}, or a Fargate queue`,
    });
  }
  return problems;
}

export function platformProblems(step: PlatformStep, platform: BatchPlatform, where: string): Problem[] {
  const because = `the queue runs on ${platform}`;
  return isFargate(platform) ? fargateProblems(step, where, because) : ec2Problems(step, where, because);
}

/** Fields of a step that only Fargate offers (ephemeral storage, fractional vCPUs): they make the platform knowable. */
export function fargateOnlyFields(step: PlatformStep): string[] {
  return [
    ...(step.ephemeralStorage !== undefined ? ['ephemeralStorage'] : []),
    ...(step.cpu !== undefined && !Number.isInteger(step.cpu) ? ['cpu'] : []),
  ];
}

function describeMemory(allowed: readonly number[]): string {
  if (allowed.length <= 3) return allowed.join(', ');
  return `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`;
}

function nearest(allowed: readonly number[], memory: number): number {
  return allowed.find((m) => m >= memory) ?? allowed[allowed.length - 1];
}

function cpusFor(memory: number): string {
  return [...FARGATE_MEMORY_BY_CPU.entries()]
    .filter(([, mems]) => mems.includes(memory))
    .map(([cpu]) => String(cpu))
    .join(', ');
}
