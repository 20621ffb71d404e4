import type { ConcurrencyLimiter, RateDecision, RequestLimiter } from './limiter.ts';
import { REDIS_UNAVAILABLE_RETRY_AFTER_S, type RedisHandle } from './redis-client.ts';

const UNCHECKED: RateDecision = {
  allowed: true,
  limit: 0,
  remaining: 0,
  resetSeconds: 0,
  retryAfterSeconds: 0,
};

/** Limits could not be checked and the policy is `closed`: src/http/app.ts answers 503. */
export class LimitsUnavailableError extends Error {
  override name = 'LimitsUnavailableError';
  readonly retryAfterSeconds = REDIS_UNAVAILABLE_RETRY_AFTER_S;
  constructor() {
    super('rate limits cannot be checked (Redis unavailable)');
  }
}

function unavailable(): LimitsUnavailableError {
  return new LimitsUnavailableError();
}

/**
 * What a Redis-backed limiter does when Redis cannot be reached (`GOODTAKE_REDIS_FAILURE_MODE`):
 * - `closed` (default): the request is refused with 503 `service_unavailable` and `retry_after`,
 *   before anything is reserved or generated. Limits are never exceeded.
 * - `open`: the request goes through as if the key had no limit (no X-RateLimit headers), and
 *   the failure is logged. Availability over limits.
 * Either way the failure is logged (at most every 10 s).
 */
export function requestLimiterWithFailurePolicy(
  limiter: RequestLimiter,
  redis: Pick<RedisHandle, 'failureMode' | 'reportFailure'>,
): RequestLimiter {
  return {
    async hit(key, limit) {
      try {
        return await limiter.hit(key, limit);
      } catch (err) {
        redis.reportFailure('request rate limit not checked', err);
        if (redis.failureMode === 'open') return UNCHECKED;
        throw unavailable();
      }
    },
  };
}

/** The same policy for the generations-in-flight limit. */
export function concurrencyLimiterWithFailurePolicy(
  limiter: ConcurrencyLimiter,
  redis: Pick<RedisHandle, 'failureMode' | 'reportFailure'>,
): ConcurrencyLimiter {
  return {
    async acquire(key, limit) {
      try {
        return await limiter.acquire(key, limit);
      } catch (err) {
        redis.reportFailure('concurrency limit not checked', err);
        if (redis.failureMode === 'open') return { ok: true, release: async () => {} };
        throw unavailable();
      }
    },
  };
}
