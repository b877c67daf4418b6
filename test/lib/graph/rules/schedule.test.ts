import { isIanaTimeZone, knownTimeZones, scheduleExpression } from '../../../../lib/graph/rules/schedule';
import { expectProblem, expectValid, linearFlow } from '../flows';

describe('schedule rules', () => {
  it("maps a schedule to EventBridge expressions as Metaflow does (none given means daily)", () => {
    expect(scheduleExpression({ cron: ' 0 12 * * ? * ' })).toBe('cron(0 12 * * ? *)');
    expect(scheduleExpression({ rate: '15 minutes' })).toBe('rate(15 minutes)');
    expect(scheduleExpression({ weekly: true })).toBe('cron(0 0 ? * SUN *)');
    expect(scheduleExpression({ hourly: true })).toBe('cron(0 * * * ? *)');
    expect(scheduleExpression({ daily: true })).toBe('cron(0 0 * * ? *)');
    expect(scheduleExpression({})).toBe('cron(0 0 * * ? *)');
  });

  it('refuses two kinds of schedule at once', () => {
    expectProblem(linearFlow({ schedule: { cron: '0 12 * * ? *', hourly: true } }), { field: 'cron/hourly', message: /takes one/ });
    expectValid(linearFlow({ schedule: { cron: '0 12 * * ? *', hourly: false } }));
  });

  it('refuses a schedule of only false flags, which would schedule nothing (not daily)', () => {
    expectProblem(linearFlow({ schedule: { daily: false } }), { field: 'daily', message: /would schedule nothing/ });
    expectProblem(linearFlow({ schedule: { hourly: false, weekly: false, timezone: 'UTC' } }), { field: 'hourly/weekly' });
    expectValid(linearFlow({ schedule: { daily: false, weekly: true } }));
    expectValid(linearFlow({ schedule: {} }));
  });

  it('refuses a bad cron and a cron( ) wrapper, naming the flow field', () => {
    expectProblem(linearFlow({ schedule: { cron: '0 12 * * *' } }), { where: 'flow "TestFlow" schedule', field: 'cron', value: '0 12 * * *' });
    const problems = expectProblem(linearFlow({ schedule: { cron: 'cron(0 12 * * ? *)' } }), { field: 'cron', message: /wrapper/ });
    expect(problems[0].fix).toContain('"0 12 * * ? *"');
  });

  it('refuses a bad rate', () => {
    expectProblem(linearFlow({ schedule: { rate: '5 weeks' } }), { field: 'rate', value: '5 weeks' });
    expectValid(linearFlow({ schedule: { rate: '5 minutes' } }));
  });

  it('refuses an unknown time zone and suggests the IANA name', () => {
    const problems = expectProblem(linearFlow({ schedule: { daily: true, timezone: 'Berlin' } }), { field: 'timezone', value: 'Berlin' });
    expect(problems[0].fix).toContain('Europe/Berlin');
    expectProblem(linearFlow({ schedule: { daily: true, timezone: 'Mars/Olympus' } }), { field: 'timezone' });
    for (const timezone of ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata']) expectValid(linearFlow({ schedule: { daily: true, timezone } }));
  });

  it('knows the IANA zones of Intl and the links it resolves, not offsets or abbreviations', () => {
    expect(knownTimeZones().size).toBeGreaterThan(300);
    expect(isIanaTimeZone('Asia/Kolkata')).toBe(true);
    expect(isIanaTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isIanaTimeZone('+01:00')).toBe(false);
    expect(isIanaTimeZone('CET')).toBe(false);
    expect(isIanaTimeZone('Europe/Atlantis')).toBe(false);
  });
});
