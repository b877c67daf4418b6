import type { Problem } from '../errors';

/** A flow's host retries: Batch attempts beyond the user's, capped by Batch's 10 attempts. */
export const MAX_HOST_RETRIES = 9;
/** Step Functions' limit on a state machine name. */
export const STATE_MACHINE_NAME_MAX = 80;

export function hostRetriesProblems(where: string, hostRetries: number | undefined): Problem[] {
  if (hostRetries === undefined || (Number.isInteger(hostRetries) && hostRetries >= 0 && hostRetries <= MAX_HOST_RETRIES)) return [];
  return [{
    where, field: 'hostRetries', value: hostRetries,
    message: `host retries are a whole number from 0 to ${MAX_HOST_RETRIES} (AWS Batch runs at most 10 attempts of a job)`,
    fix: 'set hostRetries to 0 to never retry a lost host, or leave it unset for 3',
  }];
}

/** `<prefix>_<flow>` cut to Step Functions' 80 characters, as Metaflow names state machines. */
export function stateMachineNameOf(prefix: string | undefined, flowName: string): string {
  return (prefix ? `${prefix}_${flowName}` : flowName).slice(0, STATE_MACHINE_NAME_MAX);
}
