import { chunk, collect, mapLimit, paginate } from '../../../../lib/cli/aws/paging';
import { timing } from '../../../../lib/cli/aws/timing';
import { named } from '../harness';

beforeEach(() => {
  timing.retryBaseMs = 0;
});

describe('paginate', () => {
  const pages: Record<string, { items: number[]; next?: string }> = { start: { items: [1, 2], next: 'b' }, b: { items: [], next: 'c' }, c: { items: [3] } };

  test('follows tokens through empty pages to the end', async () => {
    const fetch = jest.fn(async (token: string | undefined) => pages[token ?? 'start']);
    expect(await collect(paginate('op', fetch))).toEqual([1, 2, 3]);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  test('stops at the limit without fetching more pages', async () => {
    const fetch = jest.fn(async (token: string | undefined) => pages[token ?? 'start']);
    expect(await collect(paginate('op', fetch, 2))).toEqual([1, 2]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test('a token seen before ends the loop instead of spinning forever', async () => {
    const fetch = jest.fn(async () => ({ items: [1], next: 'same' }));
    expect(await collect(paginate('op', fetch))).toEqual([1, 1]);
  });

  test('a throttled page is retried, not restarted', async () => {
    const fetch = jest.fn(async (token: string | undefined) => pages[token ?? 'start']);
    fetch.mockRejectedValueOnce(named('ThrottlingException'));
    expect(await collect(paginate('op', fetch))).toEqual([1, 2, 3]);
  });
});

describe('chunk and mapLimit', () => {
  test('chunk splits into pieces of at most n', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 100)).toEqual([]);
  });

  test('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
