import { keyWildcard, scheduleExpression, triggerProblems } from '../../../lib/compile/triggers';

describe('schedules and triggers', () => {
  it('turns @schedule into an EventBridge Scheduler expression', () => {
    expect(scheduleExpression({ cron: '0 12 * * ? *' })).toBe('cron(0 12 * * ? *)');
    expect(scheduleExpression({ rate: '15 minutes' })).toBe('rate(15 minutes)');
    expect(scheduleExpression({ hourly: true })).toBe('cron(0 * * * ? *)');
    expect(scheduleExpression({ weekly: true })).toBe('cron(0 0 ? * SUN *)');
    expect(scheduleExpression({})).toBe('cron(0 0 * * ? *)');
  });

  it('makes one key wildcard of prefix and suffix', () => {
    expect(keyWildcard({ bucket: 'b', prefix: 'in/', suffix: '.csv' })).toBe('in/*.csv');
    expect(keyWildcard({ bucket: 'b', suffix: '.csv' })).toBe('*.csv');
    expect(keyWildcard({ bucket: 'b' })).toBeUndefined();
  });

  it('refuses a trigger that would fire on the datastore itself', () => {
    expect(triggerProblems('F', [{ bucket: 'data', prefix: 'incoming/' }], 'data', 'metaflow')).toEqual([]);
    expect(triggerProblems('F', [{ bucket: 'other' }], 'data', 'metaflow')).toEqual([]);
    for (const prefix of [undefined, 'metaflow/', 'metaflow/F/', 'meta']) {
      const [problem] = triggerProblems('F', [{ bucket: 'data', prefix }], 'data', 'metaflow');
      expect(problem).toMatchObject({ where: 'flow "F" triggers[0]', field: 'prefix' });
    }
    expect(triggerProblems('F', [{ bucket: 'data', prefix: 'x/' }], 'data', '')).toHaveLength(1);
  });
});
