import { METAFLOW_STEP_DEFAULTS, effectiveStep, mergeSettings } from '../../../lib/graph/settings';

describe('mergeSettings / effectiveStep', () => {
  it('lets the step win field by field and drops undefined', () => {
    expect(mergeSettings({ cpu: 2, memory: 4096, image: 'a' }, { memory: 8192, image: undefined })).toEqual({ cpu: 2, memory: 8192, image: 'a' });
  });

  it('merges environment and awsBatchTags key by key, and secrets as a union', () => {
    const merged = mergeSettings(
      { environment: { A: '1', B: '1' }, awsBatchTags: { team: 'a' }, secrets: ['s1', 's2'] },
      { environment: { B: '2' }, awsBatchTags: { cost: 'x' }, secrets: ['s2', 's3'] },
    );
    expect(merged).toEqual({ environment: { A: '1', B: '2' }, awsBatchTags: { team: 'a', cost: 'x' }, secrets: ['s1', 's2', 's3'] });
  });

  it('replaces retry and catch as a whole', () => {
    expect(mergeSettings({ retry: { times: 3, minutesBetweenRetries: 2 } }, { retry: { times: 1 } }).retry).toEqual({ times: 1 });
  });

  it("starts from Metaflow's defaults: 1 vCPU, 4096 MiB, 5 days", () => {
    expect(METAFLOW_STEP_DEFAULTS).toEqual({ cpu: 1, memory: 4096, timeoutSeconds: 432000 });
    expect(effectiveStep(undefined, { name: 's', next: [] })).toEqual({ name: 's', next: [], cpu: 1, memory: 4096, timeoutSeconds: 432000 });
    expect(effectiveStep({ cpu: 4 }, { name: 's', next: [], timeoutSeconds: 600 })).toMatchObject({ cpu: 4, memory: 4096, timeoutSeconds: 600 });
  });
});
