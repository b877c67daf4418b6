import { Problem } from '../errors';
import type { S3TriggerSpec } from '../graph/model';
import { atSource } from '../graph/rules/context';

/**
 * EventBridge wildcard over the object key of an S3 trigger, or undefined when it matches every key. A `*` or `\` of
 * the key's own is escaped, as EventBridge's wildcard filter requires, so it matches itself.
 */
export function keyWildcard(trigger: S3TriggerSpec): string | undefined {
  if (!trigger.prefix && !trigger.suffix) return undefined;
  const literal = (text: string | undefined) => (text ?? '').replace(/[\\*]/g, (c) => `\\${c}`);
  return `${literal(trigger.prefix)}*${literal(trigger.suffix)}`;
}

/** EventBridge rule descriptions hold at most 512 characters. */
export function ruleDescription(text: string): string {
  return text.length <= 512 ? text : `${text.slice(0, 511)}…`;
}

/**
 * A trigger that fires on the flow's own datastore writes would start a run for every artifact a run writes:
 * refused when it watches the datastore bucket and its prefix and the datastore's overlap.
 */
export function triggerProblems(flow: string, triggers: readonly S3TriggerSpec[], datastoreBucket: string, datastorePrefix: string): Problem[] {
  const root = datastorePrefix === '' ? '' : `${datastorePrefix.replace(/\/+$/, '')}/`;
  return triggers.flatMap((trigger, index) => {
    if (trigger.bucket !== datastoreBucket) return [];
    const prefix = trigger.prefix ?? '';
    const overlaps = prefix.startsWith(root) || root.startsWith(prefix);
    if (!overlaps) return [];
    return [
      {
        where: atSource(`flow "${flow}" triggers[${index}]`, trigger.source),
        field: 'prefix',
        value: prefix,
        message: `the trigger watches the flow's own datastore (bucket ${trigger.bucket}, prefix "${root}"), so every artifact a run writes would start another run`,
        fix: `watch a prefix outside "${root}" (e.g. "incoming/"), or another bucket`,
      },
    ];
  });
}
