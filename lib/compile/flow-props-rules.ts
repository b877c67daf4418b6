import type { Problem } from '../errors';
import { tagProblems } from '../graph/rules/checks';
import { FLOW_TAGS, JOB_KEYS, JOB_OWNER_TAG } from '../runtime/naming';

/** AWS Batch takes at most 50 tags on a job. */
/** Tags AWS Batch allows on one job; with `propagateTags` a job's own and its job definition's count together. */
export const MAX_JOB_TAGS = 50;
/** The tags the library sets on every job: the owner tag and `JOB_KEYS`. */
export const LIBRARY_JOB_TAGS: readonly string[] = [JOB_OWNER_TAG, ...Object.values(JOB_KEYS)];

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
 * value lengths, no `aws:` keys, and at most 50 tags with the library's own, which they may not replace, and the
 * flow tag every job definition propagates to its jobs.
 */
export function jobTagsProblems(where: string, jobTags: Readonly<Record<string, string>> | undefined): Problem[] {
  if (jobTags === undefined) return [];
  const problems = tagProblems(where, 'jobTags', jobTags, MAX_JOB_TAGS - LIBRARY_JOB_TAGS.length - 1);
  for (const key of Object.keys(jobTags).filter((k) => LIBRARY_JOB_TAGS.includes(k))) {
    problems.push({
      where, field: `jobTags.${key}`, value: key,
      message: 'metaflow-cdk sets this tag on every job: `batch list`/`batch kill` and the flow\'s role find the jobs by it',
      fix: 'choose another tag key',
    });
  }
  return problems;
}

const MAX_STATE_MACHINE_TAGS = 50;

/**
 * The flow's `tags` go on its state machine beside the library's own (`metaflow-cdk flows` finds flows by them): a
 * key of those would rename the flow for the CLI, and together they may not pass the 50 tags Step Functions allows.
 */
export function flowTagProblems(flow: string, tags: Readonly<Record<string, string>> | undefined): Problem[] {
  if (tags === undefined) return [];
  const where = `flow "${flow}"`;
  const library: readonly string[] = Object.values(FLOW_TAGS);
  // the per-key rules ran in validateFlow; only the count changes here
  const problems = tagProblems(where, 'tags', tags, MAX_STATE_MACHINE_TAGS - library.length).filter((p) => p.field === 'tags');
  for (const key of Object.keys(tags).filter((k) => library.includes(k))) {
    problems.push({ where, field: `tags.${key}`, value: key, message: 'metaflow-cdk sets this tag on the state machine: `metaflow-cdk flows` finds the flow by it', fix: 'choose another tag key' });
  }
  return problems;
}
