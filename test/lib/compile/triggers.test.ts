import { keyWildcard, ruleDescription, triggerProblems } from '../../../lib/compile/triggers';

describe('schedules and triggers', () => {
  it('makes one key wildcard of prefix and suffix', () => {
    expect(keyWildcard({ bucket: 'b', prefix: 'in/', suffix: '.csv' })).toBe('in/*.csv');
    expect(keyWildcard({ bucket: 'b', suffix: '.csv' })).toBe('*.csv');
    expect(keyWildcard({ bucket: 'b' })).toBeUndefined();
  });

  it("escapes a key's own * and \\, which EventBridge's wildcard filter would read as its own", () => {
    expect(keyWildcard({ bucket: 'b', prefix: 'in\\raw*/', suffix: '.csv' })).toBe('in\\\\raw\\*/*.csv');
  });

  it('keeps rule descriptions within EventBridge\'s 512 characters', () => {
    expect(ruleDescription('short')).toBe('short');
    const long = ruleDescription(`Run F on s3://b/${'p'.repeat(600)}*`);
    expect(long).toHaveLength(512);
    expect(long.endsWith('…')).toBe(true);
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
