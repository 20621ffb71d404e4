import { ConnectionError, type GoodTakeError } from './errors.ts';

/** The retry policy's constants, in milliseconds. */
export const RETRY_POLICY = {
  /** First backoff ceiling; doubles on each retry. */
  baseDelayMs: 500,
  /** Backoff never waits longer than this. */
  maxDelayMs: 8_000,
  /**
   * A server asking for a longer wait than this is not retried: the error is thrown at once
   * with its `retryAfter`, rather than holding the caller for minutes.
   */
  maxRetryAfterMs: 60_000,
} as const;

/**
 * How long to wait before retrying after `error`, or undefined when it must not be retried.
 * `retry` counts the retries already made (0 before the first).
 *
 * - 429 and 503: wait what the server asked (`error.retry_after` or `Retry-After`).
 * - connection errors, 502, 504, and 429/503 without a hint: capped exponential backoff with
 *   full jitter, so a crowd of clients does not retry in lockstep.
 * - everything else (4xx, 500, timeouts, aborts) is final.
 */
export function retryDelayMs(
  error: GoodTakeError,
  retry: number,
  random: () => number = Math.random,
): number | undefined {
  const backoff = () =>
    random() * Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** retry);
  if (error instanceof ConnectionError) return backoff();
  switch (error.status) {
    case 429:
    case 503:
    case 502:
    case 504: {
      if (error.retryAfter === undefined) return backoff();
      const hinted = error.retryAfter * 1000;
      return hinted > RETRY_POLICY.maxRetryAfterMs ? undefined : hinted;
    }
    default:
      return undefined;
  }
}
