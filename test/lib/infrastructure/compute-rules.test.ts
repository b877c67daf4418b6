import * as batch from 'aws-cdk-lib/aws-batch';
import { type ComputeSpec, capabilitiesProblems, computeCapabilities, effectiveAccelerator, validateComputeSpec } from '../../../lib/infrastructure/compute-rules';

const ec2 = (over: Partial<ComputeSpec> = {}): ComputeSpec => ({ platform: 'EC2', spot: false, minVcpus: 0, maxVcpus: 256, instanceTypes: [], ...over });
const fargate = (over: Partial<ComputeSpec> = {}): ComputeSpec => ec2({ platform: 'FARGATE', ...over });
const messages = (spec: ComputeSpec) => validateComputeSpec('Stack/Compute', spec).map((p) => `${p.field}: ${p.message}`);

describe('validateComputeSpec', () => {
  it('accepts the presets as they are', () => {
    expect(messages(ec2())).toEqual([]);
    expect(messages(ec2({ spot: true, spotBidPercentage: 60 }))).toEqual([]);
    expect(messages(ec2({ accelerator: 'GPU', instanceTypes: ['g5.xlarge', 'p4d'] }))).toEqual([]);
    expect(messages(ec2({ accelerator: 'NEURON', instanceTypes: ['inf2'] }))).toEqual([]);
    expect(messages(fargate({ spot: true }))).toEqual([]);
  });

  it('refuses a platform, accelerator, spot or allocation strategy only TypeScript would have stopped, by its prop', () => {
    // what JavaScript or JSON callers can pass: any other string used to mean EC2 without an accelerator
    expect(validateComputeSpec('S', ec2({ platform: 'fargate' as never }))).toEqual([
      expect.objectContaining({ field: 'platform', value: 'fargate', message: 'not a compute platform', fix: expect.stringContaining("'EC2' or 'FARGATE'") }),
    ]);
    expect(messages(ec2({ accelerator: 'gpu' as never, spot: 'yes' as never, allocationStrategy: 'cheapest' }))).toEqual([
      'accelerator: not an accelerator',
      'spot: spot is true or false',
      'allocationStrategy: not an allocation strategy Batch knows',
    ]);
  });

  it("knows every allocation strategy aws-batch offers, and refuses BEST_FIT, which Batch cannot update in place", () => {
    for (const allocationStrategy of Object.values(batch.AllocationStrategy).filter((s) => s !== batch.AllocationStrategy.BEST_FIT)) {
      expect(messages(ec2({ spot: true, allocationStrategy }))).toEqual([]);
    }
    const [spot] = validateComputeSpec('S', ec2({ spot: true, allocationStrategy: 'BEST_FIT' }));
    expect(spot).toMatchObject({ field: 'allocationStrategy', value: 'BEST_FIT', message: expect.stringContaining('Batch cannot update a BEST_FIT compute environment in place'), fix: expect.stringContaining('SPOT_PRICE_CAPACITY_OPTIMIZED') });
    const [onDemand] = validateComputeSpec('S', ec2({ allocationStrategy: 'BEST_FIT' }));
    expect(onDemand.fix).toBe('use BEST_FIT_PROGRESSIVE (the default)');
  });

  it('refuses a GPU environment on an image without NVIDIA drivers, or on AMD GPUs', () => {
    expect(messages(ec2({ accelerator: 'GPU', images: [{ imageType: 'ECS_AL2023', customAmi: false }] }))).toEqual([
      'images: a GPU environment needs an image with NVIDIA drivers: on this one, jobs that ask for GPUs never start',
    ]);
    // g5 alone makes the environment a GPU one
    expect(messages(ec2({ instanceTypes: ['g5'], images: [{ imageType: 'ECS_AL2', customAmi: false }] }))).toHaveLength(1);
    // an AMI of one's own may carry its drivers; NVIDIA images pass
    expect(messages(ec2({ accelerator: 'GPU', images: [{ imageType: 'ECS_AL2023', customAmi: true }] }))).toEqual([]);
    expect(messages(ec2({ accelerator: 'GPU', images: [{ imageType: 'ECS_AL2_NVIDIA', customAmi: false }] }))).toEqual([]);
    expect(messages(ec2({ images: [{ imageType: 'ECS_AL2023', customAmi: false }] }))).toEqual([]);
    expect(validateComputeSpec('S', ec2({ accelerator: 'GPU', instanceTypes: ['g4ad.xlarge', 'g5'] }))).toEqual([
      expect.objectContaining({ field: 'instanceTypes', value: ['g4ad.xlarge'], message: 'these instances have AMD GPUs; Batch gives jobs NVIDIA GPUs only, from its NVIDIA images' }),
    ]);
  });

  it('refuses max vCPUs below min vCPUs, naming both', () => {
    const [p] = validateComputeSpec('Stack/Compute', ec2({ minVcpus: 16, maxVcpus: 8 }));
    expect(p).toMatchObject({ where: 'Stack/Compute', field: 'maxVcpus', value: 8 });
    expect(p.message).toContain('below min vCPUs (16)');
    expect(p.fix).toContain('at least 16');
  });

  it('refuses a max vCPUs below 1', () => {
    expect(messages(ec2({ maxVcpus: 0 }))).toEqual(['maxVcpus: max vCPUs must be a whole number of at least 1']);
  });

  it('refuses a negative min vCPUs', () => {
    expect(messages(ec2({ minVcpus: -1 }))).toEqual(['minVcpus: min vCPUs must be a whole number of at least 0']);
  });

  it.each([0, 101, 50.5])('refuses bid percentage %p outside 1-100', (bid) => {
    const found = validateComputeSpec('S', ec2({ spot: true, spotBidPercentage: bid }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ field: 'spotBidPercentage', value: bid });
    expect(found[0].message).toContain('from 1 to 100');
  });

  it('refuses a bid percentage on an on-demand environment', () => {
    expect(messages(ec2({ spotBidPercentage: 50 }))).toEqual(['spotBidPercentage: a bid percentage applies only to EC2 spot environments']);
  });

  it('refuses a GPU accelerator on Fargate', () => {
    const [p] = validateComputeSpec('S', fargate({ accelerator: 'GPU' }));
    expect(p).toMatchObject({ field: 'accelerator', value: 'GPU' });
    expect(p.message).toBe('Fargate has no GPU, Inferentia or Trainium capacity');
  });

  it('refuses GPU and Neuron families on Fargate, listing them', () => {
    const [p] = validateComputeSpec('S', fargate({ instanceTypes: ['g5.xlarge', 'inf2'] }));
    expect(p).toMatchObject({ field: 'instanceTypes', value: ['g5.xlarge', 'inf2'] });
    expect(p.fix).toContain('gpu or neuron preset');
  });

  it('refuses instance types on Fargate', () => {
    expect(messages(fargate({ instanceTypes: ['c7i.large'] }))).toEqual(['instanceTypes: Fargate environments do not take instance types or classes']);
  });

  it('refuses min vCPUs on Fargate', () => {
    expect(messages(fargate({ minVcpus: 4 }))).toEqual(['minVcpus: Fargate environments have no minimum vCPUs']);
  });

  it('refuses general-purpose instances in a GPU environment', () => {
    const [p] = validateComputeSpec('S', ec2({ accelerator: 'GPU', instanceTypes: ['g5.xlarge', 'm6i.large'] }));
    expect(p.value).toEqual(['m6i.large']);
    expect(p.message).toContain('may hold only GPU');
  });

  it('refuses general-purpose and accelerated instances mixed without an accelerator', () => {
    expect(messages(ec2({ instanceTypes: ['c7i', 'g5'] }))[0]).toContain('general-purpose and accelerated instances are mixed');
  });

  it('refuses Inferentia mixed with Trainium', () => {
    expect(messages(ec2({ accelerator: 'NEURON', instanceTypes: ['inf2', 'trn1'] }))).toEqual([
      'instanceTypes: Inferentia and Trainium instances are mixed: a job compiled for one does not run on the other',
    ]);
  });

  it('reports every problem of one environment together', () => {
    expect(validateComputeSpec('S', fargate({ maxVcpus: 0, accelerator: 'GPU', instanceTypes: ['c7i'] })).map((p) => p.field)).toEqual([
      'maxVcpus',
      'accelerator',
      'instanceTypes',
    ]);
  });
});

describe('computeCapabilities', () => {
  it('infers the accelerator from the instance types', () => {
    expect(effectiveAccelerator(ec2({ instanceTypes: ['g6.xlarge'] }))).toBe('GPU');
    expect(effectiveAccelerator(ec2({ instanceTypes: ['c7i', 'g6'] }))).toBeUndefined();
    expect(computeCapabilities(ec2({ instanceTypes: ['trn1'], spot: true, maxVcpus: 128 }))).toEqual({
      platform: 'EC2',
      gpu: false,
      neuron: true,
      spot: true,
      maxVcpus: 128,
    });
  });
});

describe('instance types and root volumes', () => {
  it('refuses an instance type EC2 does not have, naming real sizes', () => {
    const problems = validateComputeSpec('Stack/Compute', ec2({ instanceTypes: ['m5.huge', 'm5.large', 'm7i', 'optimal', 'zz9'] }));
    expect(problems.map((p) => p.value)).toEqual(['m5.huge', 'zz9']);
    expect(problems[0].fix).toMatch(/use a size m5 has: .*xlarge/);
  });

  it('refuses a root volume below the AMI snapshot or above gp3, and any on Fargate', () => {
    expect(messages(ec2({ rootVolumeGiB: 0 }))).toEqual([expect.stringMatching(/^rootVolumeSize: a root volume is a whole number of GiB from 30/)]);
    expect(messages(ec2({ rootVolumeGiB: 20000 }))).toHaveLength(1);
    expect(messages(ec2({ rootVolumeGiB: 100 }))).toEqual([]);
    expect(messages(fargate({ rootVolumeGiB: 100 }))).toEqual(['rootVolumeSize: Fargate environments have no instances, so no root volume']);
  });
});


describe('capabilitiesProblems', () => {
  it('accepts capabilities as an environment made elsewhere has them', () => {
    expect(capabilitiesProblems('S', 'capabilities', { platform: 'FARGATE', gpu: false, neuron: false, spot: true, maxVcpus: 16 })).toEqual([]);
  });

  it('refuses each capability that is not what the compiler judges steps by', () => {
    const found = capabilitiesProblems('S', 'capabilities', { platform: 'fargate' as never, gpu: 'no' as never, neuron: false, spot: false, maxVcpus: 0 });
    expect(found.map((p) => `${p.field} = ${JSON.stringify(p.value)}`)).toEqual(['capabilities.platform = "fargate"', 'capabilities.gpu = "no"', 'capabilities.maxVcpus = 0']);
  });
});
