import type { S3TriggerSpec, ScheduleSpec } from '../../graph/model';

/** `cron(0 12 * * ? *) Europe/Berlin`, `daily`, `-`. */
export function describeSchedule(schedule: ScheduleSpec | undefined): string {
  if (!schedule) return '-';
  const what = schedule.cron ? `cron(${schedule.cron})` : schedule.hourly ? 'hourly' : schedule.weekly ? 'weekly' : schedule.daily ? 'daily' : '-';
  return schedule.timezone ? `${what} ${schedule.timezone}` : what;
}

/** `s3://bucket/incoming/*.csv`, with the parameters it sets: `s3://bucket/* (input_key=key)`. */
export function describeTrigger(trigger: S3TriggerSpec): string {
  const url = `s3://${trigger.bucket}/${trigger.prefix ?? ''}*${trigger.suffix ?? ''}`;
  const parameters = Object.entries(trigger.parameters ?? {}).map(([name, field]) => `${name}=${field}`);
  return parameters.length > 0 ? `${url} (${parameters.join(', ')})` : url;
}
