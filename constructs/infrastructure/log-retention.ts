import * as logs from 'aws-cdk-lib/aws-logs';
import type { Problem } from '../../lib/errors';
import { enumValueProblems } from '../../lib/infrastructure/prop-kinds';

/** A retention CloudWatch Logs does not offer (`45`, `'30'`): synth only warned, and the deploy failed. */
export function logRetentionProblems(where: string, field: string, value: unknown): Problem[] {
  return enumValueProblems(where, field, value, 'RetentionDays', logs.RetentionDays as unknown as Record<string, number>, 'use a logs.RetentionDays value, e.g. logs.RetentionDays.ONE_YEAR: CloudWatch Logs keeps 1, 3, 5, 7, 14, 30, 60, 90, ... days');
}
