import { Problem } from '../../errors';

/** Small predicates shared by the rules; each returns a problem or nothing. */
export interface FieldRef {
  readonly where: string;
  readonly field: string;
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function integerIn(ref: FieldRef, value: number | undefined, min: number, max: number, unit = ''): Problem | undefined {
  if (value === undefined || (isInteger(value) && value >= min && value <= max)) return undefined;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
  return {
    ...ref,
    value,
    message: `must be a whole number from ${range}${unit ? ` ${unit}` : ''}`,
    fix: `set ${ref.field} to a whole number from ${range}${unit ? ` ${unit}` : ''}`,
  };
}

export const PYTHON_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compact(problems: ReadonlyArray<Problem | undefined>): Problem[] {
  return problems.filter((p): p is Problem => p !== undefined);
}

/** The characters AWS allows in tags (Step Functions, Batch and the ECS tasks it propagates tags to). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_CHARACTERS_TEXT = 'letters, digits, spaces and _ . : / = + - @';

/**
 * Tag rules shared by Batch jobs and state machines: key 1-128 characters, value up to 256, no `aws:` prefix, only
 * the characters AWS allows; another character fails the deploy, or every job that carries the tag.
 */
export function tagProblems(where: string, field: string, tags: Readonly<Record<string, string>> | undefined, max = 50): Problem[] {
  if (tags === undefined) return [];
  const problems: Problem[] = [];
  const entries = Object.entries(tags);
  if (entries.length > max) {
    problems.push({ where, field, value: entries.length, message: `has ${entries.length} tags; AWS allows ${max}`, fix: `keep at most ${max} tags` });
  }
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      problems.push({
        where,
        field: `${field}.${key}`,
        value: key,
        message: 'a tag key has 1 to 128 characters and may not start with "aws:"',
        fix: 'choose another tag key',
      });
    }
    if (!TAG_CHARACTERS.test(key)) {
      problems.push({ where, field: `${field}.${key}`, value: key, message: `a tag key may hold only ${TAG_CHARACTERS_TEXT}`, fix: 'replace the other characters, e.g. with "-"' });
    }
    if (typeof value !== 'string' || value.length > 256) {
      problems.push({ where, field: `${field}.${key}`, value, message: 'a tag value is a string of at most 256 characters', fix: 'shorten the tag value' });
    } else if (!TAG_CHARACTERS.test(value)) {
      problems.push({ where, field: `${field}.${key}`, value, message: `a tag value may hold only ${TAG_CHARACTERS_TEXT}`, fix: 'replace the other characters, e.g. with "-"' });
    }
  }
  return problems;
}
