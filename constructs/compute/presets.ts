import type { ComputeEnvironmentOptions } from './compute-environment';

/** Options a preset leaves to the caller. */
export type PresetOptions = Omit<ComputeEnvironmentOptions, 'platform' | 'spot' | 'accelerator'>;
export type FargatePresetOptions = Pick<ComputeEnvironmentOptions, 'maxVcpus'>;

/**
 * Ready-made shapes of compute environment. Each returns plain options, so they can be adjusted with spread:
 * `{ ...ComputeEnvironmentPresets.spot(), maxVcpus: 1024 }`.
 */
export class ComputeEnvironmentPresets {
  /** EC2 on demand, current x86 general-purpose classes. */
  static onDemand(options: PresetOptions = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'EC2', spot: false };
  }

  /** EC2 Spot with the price-capacity-optimized strategy (fewest interruptions for the price). */
  static spot(options: PresetOptions = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'EC2', spot: true };
  }

  /** NVIDIA GPU instances only (g5, g6 unless given), on the ECS AL2023 NVIDIA AMI. */
  static gpu(options: PresetOptions & { readonly spot?: boolean } = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'EC2', accelerator: 'GPU', spot: options.spot ?? false };
  }

  /** Inferentia or Trainium instances only (inf2 unless given), on the ECS AL2023 Neuron AMI. */
  static neuron(options: PresetOptions & { readonly spot?: boolean } = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'EC2', accelerator: 'NEURON', spot: options.spot ?? false };
  }

  static fargate(options: FargatePresetOptions = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'FARGATE', spot: false };
  }

  static fargateSpot(options: FargatePresetOptions = {}): ComputeEnvironmentOptions {
    return { ...options, platform: 'FARGATE', spot: true };
  }
}
