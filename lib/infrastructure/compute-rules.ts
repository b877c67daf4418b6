import type { Problem } from '../errors';
import { type Accelerator, acceleratorOf, instanceFamily, isInferentia, isTrainium } from './instance-families';
import { isKnownInstanceType, knownSizesOf } from './instance-types';
import { isToken, problem } from './problems';

export type Platform = 'EC2' | 'FARGATE';
const PLATFORMS: readonly string[] = ['EC2', 'FARGATE'] satisfies Platform[];
const ACCELERATORS: readonly string[] = ['GPU', 'NEURON'] satisfies Accelerator[];
/** aws-batch's `AllocationStrategy` values. */
const ALLOCATION_STRATEGIES: readonly string[] = ['BEST_FIT', 'BEST_FIT_PROGRESSIVE', 'SPOT_CAPACITY_OPTIMIZED', 'SPOT_PRICE_CAPACITY_OPTIMIZED'];

/** A compute environment as the rules see it: plain values, instance types and classes as strings. */
export interface ComputeSpec {
  readonly platform: Platform;
  readonly spot: boolean;
  readonly accelerator?: Accelerator;
  readonly minVcpus: number;
  readonly maxVcpus: number;
  readonly spotBidPercentage?: number;
  /** Batch's allocation strategy (`BEST_FIT_PROGRESSIVE`, `SPOT_CAPACITY_OPTIMIZED`, ...), when given. */
  readonly allocationStrategy?: string;
  /** Instance types (`g5.xlarge`) and classes (`g5`) together. */
  readonly instanceTypes: readonly string[];
  /** Root volume of each instance in GiB (EC2), when given. */
  readonly rootVolumeGiB?: number;
  /** Machine images given instead of the accelerator's (EC2): their image type, and whether they name an AMI of their own. */
  readonly images?: readonly { readonly imageType?: string; readonly customAmi: boolean }[];
}

/** Instance families whose GPUs are not NVIDIA's: Batch's GPU images and GPU scheduling are NVIDIA only. */
const NON_NVIDIA_GPU_FAMILIES: readonly string[] = ['g4ad'];

/** The ECS-optimized Amazon Linux 2023 AMIs' root snapshot is 30 GiB; a smaller volume cannot be created from it. */
export const MIN_ROOT_VOLUME_GIB = 30;
/** gp3's largest volume. */
export const MAX_ROOT_VOLUME_GIB = 16384;

/** What one compute environment gives a job. */
export interface ComputeCapabilities {
  readonly platform: Platform;
  readonly gpu: boolean;
  readonly neuron: boolean;
  readonly spot: boolean;
  readonly maxVcpus: number;
}

/** The accelerator a spec asks for, explicitly or through its instance types. */
export function effectiveAccelerator(spec: ComputeSpec): Accelerator | undefined {
  if (spec.accelerator) return spec.accelerator;
  const kinds = new Set(spec.instanceTypes.map(acceleratorOf));
  return kinds.size === 1 ? [...kinds][0] : undefined;
}

export function computeCapabilities(spec: ComputeSpec): ComputeCapabilities {
  const accelerator = effectiveAccelerator(spec);
  return {
    platform: spec.platform,
    gpu: accelerator === 'GPU',
    neuron: accelerator === 'NEURON',
    spot: spec.spot,
    maxVcpus: spec.maxVcpus,
  };
}

/** Capabilities given by hand, for an environment or queue made elsewhere; `field` names them in the caller's props. */
export function capabilitiesProblems(where: string, field: string, capabilities: ComputeCapabilities): Problem[] {
  const found: Problem[] = [];
  if (!PLATFORMS.includes(capabilities.platform)) {
    found.push(problem(where, `${field}.platform`, capabilities.platform, 'not a compute platform: steps would be judged as if it were EC2', `use ${PLATFORMS.map((p) => `'${p}'`).join(' or ')}`));
  }
  for (const flag of ['gpu', 'neuron', 'spot'] as const) {
    if (typeof capabilities[flag] !== 'boolean') {
      found.push(problem(where, `${field}.${flag}`, capabilities[flag], `${flag} is true or false`, `set ${flag}: true or false, as the environment behind it is`));
    }
  }
  const maxVcpus = capabilities.maxVcpus;
  if (!isToken(maxVcpus) && !(Number.isInteger(maxVcpus) && maxVcpus >= 1)) {
    found.push(problem(where, `${field}.maxVcpus`, maxVcpus, 'max vCPUs must be a whole number of at least 1: steps asking for more are refused at synth', 'set maxVcpus to the largest max vCPUs among the environments behind it'));
  }
  return found;
}

/** Every problem of one compute environment; `where` is its construct path. */
export function validateComputeSpec(where: string, spec: ComputeSpec): Problem[] {
  const found: Problem[] = [];
  const add = (field: string, value: unknown, message: string, fix: string) => found.push(problem(where, field, value, message, fix));
  const known = (n: number | undefined): n is number => n !== undefined && !isToken(n);

  // TypeScript stops these; JavaScript and JSON callers are judged here, since any other string would be taken as EC2
  // without an accelerator.
  if (!PLATFORMS.includes(spec.platform)) {
    add('platform', spec.platform, 'not a compute platform', `use ${PLATFORMS.map((p) => `'${p}'`).join(' or ')}, or a ComputeEnvironmentPresets preset`);
    return found;
  }
  if (spec.accelerator !== undefined && !ACCELERATORS.includes(spec.accelerator)) {
    add('accelerator', spec.accelerator, 'not an accelerator', `use ${ACCELERATORS.map((a) => `'${a}'`).join(' or ')} (ComputeEnvironmentPresets.gpu or .neuron), or leave it unset for CPU instances`);
  }
  if (typeof spec.spot !== 'boolean') {
    add('spot', spec.spot, 'spot is true or false', 'set spot: true for EC2 Spot or Fargate Spot capacity, or leave it unset for on-demand');
  }
  if (spec.allocationStrategy !== undefined && !isToken(spec.allocationStrategy) && !ALLOCATION_STRATEGIES.includes(spec.allocationStrategy)) {
    add('allocationStrategy', spec.allocationStrategy, 'not an allocation strategy Batch knows', `use a batch.AllocationStrategy value: ${ALLOCATION_STRATEGIES.join(', ')}`);
  }

  if (known(spec.maxVcpus) && (!Number.isInteger(spec.maxVcpus) || spec.maxVcpus < 1)) {
    add('maxVcpus', spec.maxVcpus, 'max vCPUs must be a whole number of at least 1', 'set maxVcpus to the most vCPUs the environment may run at once, e.g. 256');
  }
  if (known(spec.minVcpus) && (!Number.isInteger(spec.minVcpus) || spec.minVcpus < 0)) {
    add('minVcpus', spec.minVcpus, 'min vCPUs must be a whole number of at least 0', 'leave minVcpus unset (0) so the environment scales to zero when idle');
  }
  if (known(spec.maxVcpus) && known(spec.minVcpus) && spec.maxVcpus < spec.minVcpus) {
    add('maxVcpus', spec.maxVcpus, `max vCPUs is below min vCPUs (${spec.minVcpus})`, `raise maxVcpus to at least ${spec.minVcpus} or lower minVcpus`);
  }
  if (spec.spotBidPercentage !== undefined && known(spec.spotBidPercentage)) {
    if (!spec.spot || spec.platform === 'FARGATE') {
      add('spotBidPercentage', spec.spotBidPercentage, 'a bid percentage applies only to EC2 spot environments', 'remove spotBidPercentage or use the spot preset');
    } else if (!Number.isInteger(spec.spotBidPercentage) || spec.spotBidPercentage < 1 || spec.spotBidPercentage > 100) {
      add('spotBidPercentage', spec.spotBidPercentage, 'the bid percentage must be a whole number from 1 to 100 (percent of the on-demand price)', 'set spotBidPercentage between 1 and 100, or leave it unset to pay up to the on-demand price');
    }
  }

  if (spec.allocationStrategy === 'BEST_FIT') {
    // "BEST_FIT isn't supported when updating compute environments" (Batch's allocation strategies page): the first
    // change to the environment would fail its stack update; on Spot it also needs a Spot Fleet role
    add('allocationStrategy', spec.allocationStrategy, 'Batch cannot update a BEST_FIT compute environment in place, so its first change after deploy fails the stack update (and on Spot it needs a Spot Fleet role)', spec.spot ? 'use SPOT_PRICE_CAPACITY_OPTIMIZED (the spot preset\'s) or SPOT_CAPACITY_OPTIMIZED' : 'use BEST_FIT_PROGRESSIVE (the default)');
  }
  if (spec.allocationStrategy?.startsWith('SPOT_') && (!spec.spot || spec.platform === 'FARGATE')) {
    add('allocationStrategy', spec.allocationStrategy, 'a spot allocation strategy applies only to EC2 spot environments', 'use BEST_FIT_PROGRESSIVE on demand, or the spot preset');
  }

  const unknown = spec.instanceTypes.filter((t) => !isToken(t) && !isKnownInstanceType(t));
  for (const type of unknown) {
    const family = instanceFamily(type);
    const sizes = knownSizesOf(family);
    add(
      'instanceTypes', type, 'EC2 has no such instance type or family',
      sizes.length > 0
        ? `use a size ${family} has: ${sizes.slice(0, 12).join(', ')}${sizes.length > 12 ? ', ...' : ''} (e.g. "${family}.${sizes.includes('xlarge') ? 'xlarge' : sizes[0]}")`
        : 'check the spelling against https://aws.amazon.com/ec2/instance-types/, e.g. "m7i.xlarge" or the family "m7i"',
    );
  }
  if (known(spec.rootVolumeGiB)) {
    if (spec.platform === 'FARGATE') {
      add('rootVolumeSize', spec.rootVolumeGiB, 'Fargate environments have no instances, so no root volume', 'remove rootVolumeSize; size Fargate scratch space per step with ephemeralStorage');
    } else if (!Number.isInteger(spec.rootVolumeGiB) || spec.rootVolumeGiB < MIN_ROOT_VOLUME_GIB || spec.rootVolumeGiB > MAX_ROOT_VOLUME_GIB) {
      add('rootVolumeSize', `${spec.rootVolumeGiB} GiB`, `a root volume is a whole number of GiB from ${MIN_ROOT_VOLUME_GIB} (the ECS-optimized AMI's snapshot) to ${MAX_ROOT_VOLUME_GIB}`, 'leave rootVolumeSize unset (100 GiB, 200 GiB with accelerators) or set e.g. Size.gibibytes(100)');
    }
  }

  if (spec.platform === 'FARGATE') {
    const accelerated = spec.instanceTypes.filter((t) => acceleratorOf(t) !== undefined);
    if (spec.accelerator !== undefined || accelerated.length > 0) {
      const value = spec.accelerator ?? accelerated;
      add(
        spec.accelerator !== undefined ? 'accelerator' : 'instanceTypes',
        value,
        'Fargate has no GPU, Inferentia or Trainium capacity',
        'use an EC2 environment (the gpu or neuron preset) for accelerated jobs',
      );
    }
    if (spec.instanceTypes.length > accelerated.length) {
      add('instanceTypes', spec.instanceTypes, 'Fargate environments do not take instance types or classes', 'remove instanceTypes/instanceClasses; Fargate sizes each job from its vCPU and memory');
    }
    if (known(spec.minVcpus) && spec.minVcpus > 0) {
      add('minVcpus', spec.minVcpus, 'Fargate environments have no minimum vCPUs', 'remove minVcpus');
    }
    return found;
  }

  if (effectiveAccelerator(spec) === 'GPU') {
    const withoutDrivers = (spec.images ?? []).filter((image) => !image.customAmi && image.imageType !== undefined && !isToken(image.imageType) && !image.imageType.includes('NVIDIA'));
    if (withoutDrivers.length > 0) {
      add('images', withoutDrivers.map((image) => image.imageType), 'a GPU environment needs an image with NVIDIA drivers: on this one, jobs that ask for GPUs never start', 'use EcsMachineImageType.ECS_AL2023_NVIDIA (the gpu preset\'s), or leave images unset');
    }
    const amd = spec.instanceTypes.filter((t) => NON_NVIDIA_GPU_FAMILIES.includes(instanceFamily(t)));
    if (amd.length > 0) {
      add('instanceTypes', amd, 'these instances have AMD GPUs; Batch gives jobs NVIDIA GPUs only, from its NVIDIA images', 'use an NVIDIA family such as g4dn, g5, g6 or p4d');
    }
  }

  const accelerator = spec.accelerator;
  if (accelerator !== undefined && spec.instanceTypes.length > 0) {
    const foreign = spec.instanceTypes.filter((t) => acceleratorOf(t) !== accelerator);
    if (foreign.length > 0) {
      add(
        'instanceTypes',
        foreign,
        `a ${accelerator} environment may hold only ${accelerator === 'GPU' ? 'GPU (g*, p*)' : 'Inferentia/Trainium (inf*, trn*)'} instances; these would take jobs that need no accelerator and starve the queue`,
        `remove ${foreign.join(', ')} or put them in a separate CPU environment`,
      );
    }
  }
  if (accelerator === undefined) {
    const kinds = new Set(spec.instanceTypes.map((t) => acceleratorOf(t) ?? 'CPU'));
    if (kinds.size > 1) {
      add('instanceTypes', spec.instanceTypes, 'general-purpose and accelerated instances are mixed in one environment, so the AMI fits only some of them', 'split them into a CPU environment and a gpu/neuron environment');
    }
  }
  const neuron = spec.instanceTypes.filter((t) => acceleratorOf(t) === 'NEURON');
  if (neuron.some(isInferentia) && neuron.some(isTrainium)) {
    add('instanceTypes', neuron, 'Inferentia and Trainium instances are mixed: a job compiled for one does not run on the other', 'use one neuron environment per chip family');
  }
  return found;
}
