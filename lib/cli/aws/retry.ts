import { CliError } from '../cli-error';
import { sleep, timing } from './timing';

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
]);

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const details = error as Error & { $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } };
  return THROTTLING_NAMES.has(error.name) || details.$retryable?.throttling === true || details.$metadata?.httpStatusCode === 429;
}

/**
 * Runs one AWS call, retrying throttling errors with exponential backoff and full jitter.
 * When AWS still throttles after the last attempt, the error says so and what to do.
 */
export async function withRetry<T>(operation: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error)) throw error;
      if (attempt >= timing.retryAttempts) {
        throw new CliError(
          `AWS kept throttling ${operation} after ${attempt} attempts (${(error as Error).name}). ` +
            'Wait a minute and run the command again, or ask for a higher service quota for this API.',
        );
      }
      const ceiling = Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}
