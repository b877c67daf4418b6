import type { Problem } from '../errors';
import { isToken, problem } from './problems';

/**
 * Characters AWS lists as safe in object keys; a prefix is `segment(/segment)*` of them.
 * Leading or trailing slashes and empty segments would make `s3://bucket/<prefix>/...` paths that Metaflow joins wrongly.
 */
const SAFE_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;
const MAX_PREFIX_LENGTH = 512;

export function validateKeyPrefix(where: string, field: string, prefix: string): Problem[] {
  if (isToken(prefix)) return [];
  const fix = 'use segments of letters, digits and ! - _ . * \' ( ) separated by single slashes, without a leading or trailing slash, e.g. "metaflow"';
  if (prefix.length === 0) return [problem(where, field, prefix, 'the prefix is empty', fix)];
  if (prefix.length > MAX_PREFIX_LENGTH) {
    return [problem(where, field, prefix, `the prefix is longer than ${MAX_PREFIX_LENGTH} characters, leaving no room for Metaflow's keys`, 'shorten the prefix')];
  }
  const segments = prefix.split('/');
  const bad = segments.some((s) => s === '' || s === '.' || s === '..' || !SAFE_SEGMENT.test(s));
  return bad ? [problem(where, field, prefix, 'not a valid S3 key prefix', fix)] : [];
}

/** Metaflow's defaults under the sysroot: `METAFLOW_DATATOOLS_S3ROOT` (`metaflow.S3`) and `METAFLOW_CARD_S3ROOT`. */
export const DATATOOLS_SUFFIX = 'data';
export const CARD_SUFFIX = 'mf.cards';

/**
 * Key patterns under the sysroot a flow's Batch jobs write: its task datastore and content-addressed store
 * (`<Flow>/`), what `metaflow.S3(run=self)` writes (`data/<Flow>/`) and its cards (`mf.cards/<Flow>/`).
 */
export function flowJobWritePatterns(flowName: string): string[] {
  return [`${flowName}/*`, `${DATATOOLS_SUFFIX}/${flowName}/*`, `${CARD_SUFFIX}/${flowName}/*`];
}

/** Prefixes under the sysroot that only ever hold per-run scratch data, so expiring them by age is safe. */
export const SAFE_SYSROOT_SUBPREFIXES = {
  /** Metaflow's `METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH` default: Distributed Map result manifests. */
  distributedMapOutput: 'sfn_distributed_map_output',
  /** Distributed Map item manifests written by the flow compiler's fan-out Lambda. */
  distributedMapInput: 'sfn_distributed_map_input',
} as const;

/** An expiry rule a user asks for: objects under `prefix/` are deleted `days` after creation. */
export interface ExpirySpec {
  readonly prefix: string;
  readonly days: number;
}

/**
 * Refuses expiry on any prefix that holds, or contains, the content-addressed artifact store: an artifact written by
 * run 1 is referenced (by hash) by every later run that produces the same value, so deleting it by age corrupts them.
 */
export function validateExpiry(where: string, rootPrefix: string, rules: readonly ExpirySpec[]): Problem[] {
  const found: Problem[] = [];
  const safe = Object.values(SAFE_SYSROOT_SUBPREFIXES).map((p) => `${rootPrefix}/${p}`);
  rules.forEach((rule, i) => {
    const field = `expiringPrefixes[${i}].prefix`;
    const prefixProblems = validateKeyPrefix(where, field, rule.prefix);
    found.push(...prefixProblems);
    if (!isToken(rule.days) && (!Number.isInteger(rule.days) || rule.days < 1)) {
      found.push(problem(where, `expiringPrefixes[${i}].expiration`, rule.days, 'expiry must be a whole number of days of at least 1', 'use Duration.days(n) with n >= 1'));
    }
    if (prefixProblems.length > 0 || isToken(rule.prefix) || isToken(rootPrefix)) return;
    const isSafeSub = safe.some((s) => rule.prefix === s || rule.prefix.startsWith(`${s}/`));
    const touchesSysroot = rule.prefix === rootPrefix || rule.prefix.startsWith(`${rootPrefix}/`) || rootPrefix.startsWith(`${rule.prefix}/`);
    if (touchesSysroot && !isSafeSub) {
      found.push(problem(
        where,
        field,
        rule.prefix,
        `objects under this prefix include Metaflow's content-addressed artifacts (sysroot "${rootPrefix}"), which later runs share; expiring them by age corrupts those runs`,
        `expire a prefix outside "${rootPrefix}/"; the Distributed Map scratch prefixes under it (such as "${safe[0]}") already expire, after distributedMapExpiration`,
      ));
    }
  });
  return found;
}
