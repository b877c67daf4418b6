/**
 * EC2 instance families by accelerator, so a compute environment can refuse mixes Batch would accept but jobs would
 * trip over (a GPU job placed on a general-purpose host, a Neuron job without the Neuron driver).
 */
export type Accelerator = 'GPU' | 'NEURON';

/** Instance family of a type or class: `g5.xlarge` -> `g5`, `g5` -> `g5`, `optimal` -> `optimal`. */
export function instanceFamily(typeOrClass: string): string {
  return typeOrClass.split('.')[0].toLowerCase();
}

/** NVIDIA/AMD GPU families (g3..g6e, gr6, p2..p6): a `g` or `p` followed by a generation digit. */
const GPU_FAMILY = /^(g\d|gr\d|p\d)/;
/** AWS Inferentia and Trainium families. */
const NEURON_FAMILY = /^(inf\d|trn\d)/;

export function acceleratorOf(typeOrClass: string): Accelerator | undefined {
  const family = instanceFamily(typeOrClass);
  if (GPU_FAMILY.test(family)) return 'GPU';
  if (NEURON_FAMILY.test(family)) return 'NEURON';
  return undefined;
}

export function isInferentia(typeOrClass: string): boolean {
  return /^inf\d/.test(instanceFamily(typeOrClass));
}

export function isTrainium(typeOrClass: string): boolean {
  return /^trn\d/.test(instanceFamily(typeOrClass));
}

/** Defaults when a preset names no instance types: current families, no pinned sizes. */
export const DEFAULT_GPU_CLASSES = ['g5', 'g6'] as const;
/** Inferentia 2 only: Inferentia and Trainium do not mix in one environment; use the trn1 class for training. */
export const DEFAULT_NEURON_CLASSES = ['inf2'] as const;
