/**
 * EventBridge cron expressions (6 fields: minutes hours day-of-month month day-of-week year), as
 * EventBridge rules and EventBridge Scheduler accept them inside `cron(...)`.
 * Returns what is wrong, or undefined when the expression is valid.
 */
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'year', min: 1970, max: 2199 },
];

function parseValue(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? index + spec.min : undefined;
}

function itemProblem(item: string, spec: FieldSpec): string | undefined {
  const bad = `${spec.name} "${item}" is not valid (values ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''})`;
  if (spec.name === 'day-of-month' && /^(L|LW|\d{1,2}W)$/.test(item)) {
    return item.endsWith('W') && item !== 'LW' && parseValue(item.slice(0, -1), spec) === undefined ? bad : undefined;
  }
  if (spec.name === 'day-of-week') {
    const hash = /^(\w+)#([1-5])$/.exec(item);
    if (hash) return parseValue(hash[1], spec) === undefined ? bad : undefined;
    if (item === 'L') return undefined;
    if (/^\w+L$/.test(item)) return parseValue(item.slice(0, -1), spec) === undefined ? bad : undefined;
  }
  const [base, step, ...extra] = item.split('/');
  if (extra.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return bad;
  if (base === '*') return undefined;
  const bounds = base.split('-');
  if (bounds.length > 2 || bounds.some((b) => parseValue(b, spec) === undefined)) return bad;
  return undefined;
}

export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `an EventBridge cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be "?"';
  }
  for (const [i, field] of fields.entries()) {
    if (field === '?') {
      if (i !== 2 && i !== 4) return `"?" is allowed only in day-of-month and day-of-week, not in ${FIELDS[i].name}`;
      continue;
    }
    for (const item of field.split(',')) {
      const problem = itemProblem(item, FIELDS[i]);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** EventBridge rate expressions without the `rate(...)` wrapper: `1 minute`, `15 minutes`, `2 hours`, `1 day`. */
export function rateProblem(expression: string): string | undefined {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(expression.trim());
  if (!match) return 'a rate is "<value> <unit>" with unit minute(s), hour(s) or day(s), e.g. "15 minutes"';
  const value = Number(match[1]);
  if (value < 1) return 'the rate value must be 1 or more';
  const singular = !match[2].endsWith('s');
  if (value === 1 && !singular) return `write "1 ${match[2].slice(0, -1)}" (singular unit for 1)`;
  if (value > 1 && singular) return `write "${value} ${match[2]}s" (plural unit for values above 1)`;
  return undefined;
}
