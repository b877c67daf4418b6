import type { Problem } from '../errors';

/** True when a value is a CDK token (`${Token[...]}` string or encoded number), which synth-time rules cannot judge. */
export function isToken(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${Token[');
  if (typeof value === 'number') return value < -1e289;
  return false;
}

export function problem(where: string, field: string, value: unknown, message: string, fix: string): Problem {
  return { where, field, value, message, fix };
}
