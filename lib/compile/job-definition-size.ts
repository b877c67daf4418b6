import type { Problem } from '../errors';
import { stepWhere } from './routing';

/** Batch refuses to register a job definition over 24 KiB (a service quota that cannot be raised). */
export const BATCH_MAX_JOB_DEFINITION_BYTES = 24 * 1024;

/**
 * A job definition over Batch's 24 KiB fails the deploy, after the stack's other resources were created. Its size is
 * measured on the JSON that is registered; values CloudFormation resolves at deploy (role ARNs, image URIs) count as
 * their intrinsic functions, of similar length. `steps` are the steps that run the job definition.
 */
export function jobDefinitionSizeProblems(flow: string, steps: readonly string[], registered: unknown): Problem[] {
  const size = Buffer.byteLength(JSON.stringify(registered), 'utf8');
  if (size <= BATCH_MAX_JOB_DEFINITION_BYTES) return [];
  const shared = steps.length > 1 ? ` (shared by steps ${steps.slice(1).map((s) => `"${s}"`).join(', ')})` : '';
  return [
    {
      where: stepWhere(flow, steps[0] ?? '(none)'),
      field: 'environment',
      value: size,
      message: `its job definition${shared} comes to ${size} bytes; Batch refuses to register one over ${BATCH_MAX_JOB_DEFINITION_BYTES} (24 KiB)`,
      fix: 'move long environment values (environment, or @environment in a Python flow) into the image, a file the step reads, or a secret',
    },
  ];
}
