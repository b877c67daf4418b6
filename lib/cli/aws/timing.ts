/** Waits the CLI makes; tests set them to 0 so retries and `--follow` polls run instantly. */
export const timing = {
  /** First backoff after a throttled call; doubles each attempt, with full jitter. */
  retryBaseMs: 500,
  /** Cap on one backoff. */
  retryMaxMs: 10_000,
  /** Calls made per request when AWS keeps throttling (on top of the SDK's own attempts). */
  retryAttempts: 4,
  /** Interval between polls of `logs --follow` and `terminate`'s wait. */
  pollMs: 2_000,
};

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
