import { cronProblem, rateProblem } from '../../../../lib/graph/rules/cron';

describe('EventBridge cron and rate syntax', () => {
  it.each([
    '0 12 * * ? *',
    '0/15 * ? * MON-FRI *',
    '30 2 ? * SUN,WED 2027',
    '0 8 1 * ? *',
    '0 18 L * ? *',
    '0 9 LW * ? *',
    '0 9 15W * ? *',
    '0 10 ? * 6#3 *',
    '0 10 ? * FRIL *',
    '5,35 14 ? JAN-MAR MON 2026-2030',
    '0 0 * DEC ? *',
  ])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['0 12 * * *', /6 fields.*has 5/],
    ['0 12 * * ? * *', /has 7/],
    ['0 12 * * * *', /exactly one of day-of-month and day-of-week/],
    ['0 12 ? * ? *', /exactly one/],
    ['60 12 * * ? *', /minutes "60"/],
    ['0 24 * * ? *', /hours "24"/],
    ['0 12 32 * ? *', /day-of-month "32"/],
    ['0 12 ? 13 MON *', /month "13"/],
    ['0 12 ? * 8 *', /day-of-week "8"/],
    ['0 12 ? * MON#6 *', /day-of-week/],
    ['0 12 * * ? 1969', /year "1969"/],
    ['0/0 12 * * ? *', /minutes "0\/0"/],
    ['? 12 * * ? *', /"\?" is allowed only/],
    ['0 12 * FOO ? *', /month "FOO"/],
  ])('refuses %s', (cron, message) => {
    expect(cronProblem(cron)).toMatch(message);
  });

  it.each(['1 minute', '15 minutes', '1 hour', '2 hours', '1 day', '7 days'])('accepts the rate %s', (rate) => {
    expect(rateProblem(rate)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['0 minutes', /1 or more/],
    ['1 minutes', /singular/],
    ['5 minute', /plural/],
    ['5 weeks', /unit/],
    ['rate(5 minutes)', /unit/],
  ])('refuses the rate %s', (rate, message) => {
    expect(rateProblem(rate)).toMatch(message);
  });
});
