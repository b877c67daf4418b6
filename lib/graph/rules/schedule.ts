import { Problem } from '../../errors';
import { ScheduleSpec } from '../model';
import { atSource, Rule } from './context';
import { cronProblem, rateProblem } from './cron';

const SCHEDULE_KINDS = ['cron', 'rate', 'hourly', 'daily', 'weekly'] as const;

let zones: ReadonlySet<string> | undefined;
/** IANA time zones this Node.js lists (`Intl.supportedValuesOf`), plus UTC. */
export function knownTimeZones(): ReadonlySet<string> {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
  return zones;
}

/**
 * An IANA zone name: one `Intl` lists, or an `Area/Location` link it resolves (ICU lists `Asia/Calcutta` but
 * resolves the current `Asia/Kolkata`). Offsets and abbreviations such as `+01:00` or `CET` are refused.
 */
export function isIanaTimeZone(zone: string): boolean {
  if (knownTimeZones().has(zone)) return true;
  if (!/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The EventBridge schedule expression of a `@schedule` (Metaflow's mapping; none given means daily). */
export function scheduleExpression(schedule: ScheduleSpec): string {
  if (schedule.cron !== undefined) return `cron(${schedule.cron.trim()})`;
  if (schedule.rate !== undefined) return `rate(${schedule.rate.trim()})`;
  if (schedule.weekly) return 'cron(0 0 ? * SUN *)';
  if (schedule.hourly) return 'cron(0 * * * ? *)';
  return 'cron(0 0 * * ? *)';
}

export const checkSchedule: Rule = (ctx) => {
  const schedule = ctx.doc.schedule;
  if (schedule === undefined) return [];
  return scheduleProblems(atSource(`${ctx.flowWhere} schedule`, schedule.source), schedule);
};

/** The problems of one `@schedule`, in a flow or given to `FlowSchedule` on its own. */
export function scheduleProblems(where: string, schedule: ScheduleSpec): Problem[] {
  if (typeof schedule !== 'object' || schedule === null) {
    return [{ where, field: 'schedule', value: schedule, message: 'is an object with one of cron, rate, hourly, daily or weekly', fix: 'write e.g. { cron: "0 12 * * ? *" } or { daily: true }' }];
  }
  const problems: Problem[] = [];
  for (const kind of ['cron', 'rate', 'timezone'] as const) {
    if (schedule[kind] !== undefined && typeof schedule[kind] !== 'string') {
      problems.push({ where, field: kind, value: schedule[kind], message: 'must be a string', fix: kind === 'timezone' ? 'write e.g. "Europe/Berlin"' : `write the expression as a string, e.g. ${kind === 'cron' ? '"0 12 * * ? *"' : '"1 hour"'}` });
    }
  }
  for (const kind of ['hourly', 'daily', 'weekly'] as const) {
    if (schedule[kind] !== undefined && typeof schedule[kind] !== 'boolean') {
      problems.push({ where, field: kind, value: schedule[kind], message: 'must be true or false', fix: `write ${kind}: true` });
    }
  }
  if (problems.length > 0) return problems;
  const given = SCHEDULE_KINDS.filter((k) => schedule[k] !== undefined && schedule[k] !== false);
  const turnedOff = SCHEDULE_KINDS.filter((k) => schedule[k] === false);
  if (given.length === 0 && turnedOff.length > 0) {
    // `{}` is daily (Metaflow's bare @schedule); Metaflow's @schedule(daily=False) schedules nothing
    problems.push({
      where, field: turnedOff.join('/'), value: schedule,
      message: `the schedule sets only ${turnedOff.map((k) => `${k}: false`).join(', ')}, which would schedule nothing (Metaflow's @schedule(daily=False) has no schedule)`,
      fix: 'remove the schedule to run only when started, or choose one: e.g. daily: true, or cron: "0 6 * * ? *"',
    });
  }
  if (given.length > 1) {
    problems.push({ where, field: given.join('/'), value: schedule, message: `the schedule sets ${given.join(' and ')}; it takes one`, fix: `keep one of ${given.join(', ')}` });
  }
  if (schedule.cron !== undefined) {
    const cron = schedule.cron.trim();
    const wrapped = /^cron\((.*)\)$/.exec(cron);
    const problem = wrapped ? 'write the expression without the cron( ) wrapper' : cronProblem(cron);
    if (problem) {
      problems.push({ where, field: 'cron', value: schedule.cron, message: problem, fix: wrapped ? `use "${wrapped[1]}"` : 'e.g. "0 12 * * ? *" (every day at 12:00) or "0/15 * ? * MON-FRI *"' });
    }
  }
  if (schedule.rate !== undefined) {
    const problem = rateProblem(schedule.rate);
    if (problem) problems.push({ where, field: 'rate', value: schedule.rate, message: problem, fix: 'e.g. "15 minutes", "1 hour" or "2 days"' });
  }
  if (schedule.timezone !== undefined && !isIanaTimeZone(schedule.timezone)) {
    const close = [...knownTimeZones()].filter((z) => z.toLowerCase() === schedule.timezone!.toLowerCase() || z.toLowerCase().endsWith(`/${schedule.timezone!.toLowerCase()}`));
    problems.push({
      where,
      field: 'timezone',
      value: schedule.timezone,
      message: 'unknown IANA time zone',
      fix: close.length > 0 ? `did you mean ${close.slice(0, 3).map((z) => `"${z}"`).join(' or ')}?` : 'use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"',
    });
  }
  return problems;
}
