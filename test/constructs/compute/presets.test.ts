import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';

describe('ComputeEnvironmentPresets', () => {
  it('sets platform, spot and accelerator and keeps the caller options', () => {
    expect(ComputeEnvironmentPresets.onDemand({ maxVcpus: 8 })).toEqual({ maxVcpus: 8, platform: 'EC2', spot: false });
    expect(ComputeEnvironmentPresets.spot()).toEqual({ platform: 'EC2', spot: true });
    expect(ComputeEnvironmentPresets.gpu({ spot: true })).toEqual({ platform: 'EC2', accelerator: 'GPU', spot: true });
    expect(ComputeEnvironmentPresets.neuron()).toEqual({ platform: 'EC2', accelerator: 'NEURON', spot: false });
    expect(ComputeEnvironmentPresets.fargate({ maxVcpus: 4 })).toEqual({ maxVcpus: 4, platform: 'FARGATE', spot: false });
    expect(ComputeEnvironmentPresets.fargateSpot()).toEqual({ platform: 'FARGATE', spot: true });
  });
});
