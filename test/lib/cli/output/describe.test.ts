import { describeSchedule, describeTrigger } from '../../../../lib/cli/output/describe';

describe('schedule and trigger text', () => {
  test('schedules', () => {
    expect(describeSchedule(undefined)).toBe('-');
    expect(describeSchedule({ cron: '0 1 * * ? *' })).toBe('cron(0 1 * * ? *)');
    expect(describeSchedule({ daily: true, timezone: 'Europe/Paris' })).toBe('daily Europe/Paris');
    expect(describeSchedule({ hourly: true })).toBe('hourly');
    expect(describeSchedule({ weekly: true })).toBe('weekly');
  });

  test('S3 triggers', () => {
    expect(describeTrigger({ bucket: 'b' })).toBe('s3://b/*');
    expect(describeTrigger({ bucket: 'b', prefix: 'in/', suffix: '.csv' })).toBe('s3://b/in/*.csv');
    expect(describeTrigger({ bucket: 'b', parameters: { input_key: 'key', source: 'bucket' } })).toBe('s3://b/* (input_key=key, source=bucket)');
  });
});
