import { withRetry } from './retry';

export interface Page<T> {
  readonly items?: readonly T[];
  readonly next?: string;
}

/**
 * Yields every item of a paged AWS list call, one page at a time, each page retried on throttling.
 * Stops at `limit` items when given (0 or undefined: all).
 */
export async function* paginate<T>(
  operation: string,
  fetchPage: (token: string | undefined) => Promise<Page<T>>,
  limit?: number,
): AsyncGenerator<T> {
  let token: string | undefined;
  let count = 0;
  const seen = new Set<string>();
  do {
    const page = await withRetry(operation, () => fetchPage(token));
    for (const item of page.items ?? []) {
      yield item;
      if (limit && ++count >= limit) return;
    }
    token = page.next;
    // A service that hands back a token it already gave would loop forever.
    if (token !== undefined) {
      if (seen.has(token)) return;
      seen.add(token);
    }
  } while (token);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Splits a list into chunks (DescribeJobs takes 100 ids per call). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** `Promise.all` over `items` with at most `limit` calls in flight (keeps per-item Describe calls under API rate limits). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
