import { arrayChunks, arrayWaves, coordinationPrefix, foreachRecordKey, itemManifestKey, mapResultsPrefix, planFanout } from '../../../lib/compile/fanout';

function covers(width: number, maxWorkers: number): void {
  const chunks = arrayChunks(width, maxWorkers);
  let next = 0;
  for (const c of chunks) {
    expect(c.offset).toBe(next);
    expect(c.size).toBeGreaterThanOrEqual(2);
    expect(c.size).toBeLessThanOrEqual(10_000);
    next += c.size;
  }
  expect(next).toBe(width);
}

describe('arrayChunks', () => {
  it('needs no array job for widths 0 and 1 (Batch refuses arrays of size 1)', () => {
    expect(arrayChunks(0, 16)).toEqual([]);
    expect(arrayChunks(1, 16)).toEqual([]);
  });

  it('runs up to maxWorkers splits as one parallel array', () => {
    expect(arrayChunks(2, 16)).toEqual([{ offset: 0, size: 2, dependsOn: [] }]);
    expect(arrayChunks(16, 16)).toEqual([{ offset: 0, size: 16, dependsOn: [] }]);
  });

  it('runs a much wider foreach as maxWorkers SEQUENTIAL lanes in one wave', () => {
    const waves = arrayWaves(1000, 16);
    expect(waves).toHaveLength(1);
    expect(waves[0].chunks).toHaveLength(16);
    expect(waves[0].chunks.every((c) => c.dependsOn.length === 1 && c.dependsOn[0].Type === 'SEQUENTIAL')).toBe(true);
  });

  it('runs a slightly wider foreach as waves of one parallel array of at most maxWorkers children', () => {
    const waves = arrayWaves(100_000, 10_000);
    expect(waves).toHaveLength(10);
    expect(waves.every((w) => w.chunks.length === 1 && w.chunks[0].dependsOn.length === 0 && w.chunks[0].size === 10_000)).toBe(true);
    expect(arrayWaves(17, 16).map((w) => w.chunks[0].size)).toEqual([9, 8]);
  });

  it("uses at most 40 lanes, an inline Map's concurrency, unless a lane would exceed 10,000 children", () => {
    // 100 lanes would run 40 at a time, the other 60 after them: 40 longer lanes finish sooner
    const waves = arrayWaves(20_000, 100);
    expect(waves).toHaveLength(1);
    expect(waves[0].chunks).toHaveLength(40);
    expect(waves[0].chunks.reduce((n, c) => n + c.size, 0)).toBe(20_000);
    // fewer waves than that: waves of one parallel array each, which keep all maxWorkers busy
    expect(arrayWaves(2_000, 100)).toHaveLength(20);
    expect(arrayChunks(1_000_000, 1000)).toHaveLength(100);
  });

  it('uses more lanes than maxWorkers only when a lane would exceed 10,000 children', () => {
    const chunks = arrayChunks(100_000, 5);
    expect(chunks).toHaveLength(10);
    expect(Math.max(...chunks.map((c) => c.size))).toBe(10_000);
  });

  it.each([
    [2, 1],
    [3, 16],
    [17, 16],
    [10_001, 10_000],
    [25_003, 16],
    [99_999, 3],
  ])('covers every split exactly once (width %i, max workers %i)', (width, workers) => covers(width, workers));
});

describe('planFanout', () => {
  it('shapes the result per strategy without long lists in payload for distributed maps', () => {
    expect(planFanout('array-job', 3, 16)).toEqual({ width: 3, waves: [{ chunks: [{ offset: 0, size: 3, dependsOn: [] }] }] });
    expect(planFanout('inline-map', 3, 16)).toEqual({ width: 3, items: [0, 1, 2] });
    expect(planFanout('distributed-map', 100_000, 16)).toEqual({ width: 100_000 });
  });
});

describe('keys', () => {
  it('places the width record under the task root and coordination objects under the flow prefix', () => {
    expect(foreachRecordKey('metaflow', 'F', 'sfn-1', 'start', '1')).toBe('metaflow/F/sfn-1/start/1/_foreach.json');
    expect(foreachRecordKey('', 'F', 'sfn-1', 'start', '1')).toBe('F/sfn-1/start/1/_foreach.json');
    expect(coordinationPrefix('metaflow', 'F')).toBe('metaflow/_metaflow-cdk/F');
    expect(itemManifestKey('metaflow', 'F', 'sfn-1', 'start', '1-2')).toBe('metaflow/_metaflow-cdk/F/foreach/sfn-1/start/1-2.json');
    expect(mapResultsPrefix('metaflow', 'F')).toBe('metaflow/_metaflow-cdk/F/map-results');
  });
});
