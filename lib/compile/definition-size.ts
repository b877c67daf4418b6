import type { Problem } from '../errors';

/** Step Functions refuses a state machine definition over 1 MiB (a hard quota). */
export const STEP_FUNCTIONS_MAX_DEFINITION_BYTES = 1024 * 1024;

/**
 * A definition over Step Functions' 1 MiB fails the deploy. It is measured as CloudFormation sends it; the ARNs
 * resolved at deploy count as their intrinsic functions, of similar length.
 */
export function definitionSizeProblems(flowWhere: string, stepCount: number, definition: unknown): Problem[] {
  const size = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (size <= STEP_FUNCTIONS_MAX_DEFINITION_BYTES) return [];
  return [
    {
      where: flowWhere,
      field: 'steps',
      value: `${stepCount} steps`,
      message: `the state machine definition comes to ${size} bytes; Step Functions refuses one over ${STEP_FUNCTIONS_MAX_DEFINITION_BYTES} (1 MiB). Large json parameter defaults count twice (the manifest and the defaults state)`,
      fix: 'split the flow into flows that trigger each other, or shrink large parameter defaults (pass them when the run starts, or read them from S3)',
    },
  ];
}
