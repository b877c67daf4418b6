import type { Problem } from '../errors';
import { tagProblems } from '../graph/rules/checks';
import { JOB_KEYS, JOB_OWNER_TAG } from '../runtime/naming';

/** AWS Batch takes at most 50 tags on a job. */
const MAX_JOB_TAGS = 50;
/** The tags the library sets on every job: the owner tag and `JOB_KEYS`. */
const LIBRARY_JOB_TAGS: readonly string[] = [JOB_OWNER_TAG, ...Object.values(JOB_KEYS)];

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

/**
 * A flow's extra job tags, checked as AWS Batch checks a job's tags at `SubmitJob`, when every run would fail: key and
 * value lengths, no `aws:` keys, and at most 50 tags with the library's own, which they may not replace.
 */
export function jobTagsProblems(where: string, jobTags: Readonly<Record<string, string>> | undefined): Problem[] {
  if (jobTags === undefined) return [];
  const problems = tagProblems(where, 'jobTags', jobTags, MAX_JOB_TAGS - LIBRARY_JOB_TAGS.length);
  for (const key of Object.keys(jobTags).filter((k) => LIBRARY_JOB_TAGS.includes(k))) {
    problems.push({
      where, field: `jobTags.${key}`, value: key,
      message: 'metaflow-cdk sets this tag on every job: `batch list`/`batch kill` and the flow\'s role find the jobs by it',
      fix: 'choose another tag key',
    });
  }
  return problems;
}
