import type { MiddlewareHandler } from 'hono';
import { type LimitDefaults, limitsFor } from '../../ratelimit/key-limits.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

/**
 * Counts the request against its key's per-minute limit (after `authenticate`). Sets the
 * `X-RateLimit-*` headers on every response, errors included; refuses with 429 and the real
 * time until a request would pass. A refused request is not counted and reserves nothing.
 */
export function rateLimit(
  limiter: RequestLimiter,
  defaults: LimitDefaults,
): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const key = c.get('apiKey');
    const { rpm } = limitsFor(key, defaults);
    const decision = await limiter.hit(key.id, rpm);
    if (decision.limit > 0) {
      c.header('X-RateLimit-Limit', String(decision.limit));
      c.header('X-RateLimit-Remaining', String(decision.remaining));
      c.header('X-RateLimit-Reset', String(decision.resetSeconds));
    }
    if (!decision.allowed) {
      const s = decision.retryAfterSeconds;
      throw new ApiError(
        'rate_limit_exceeded',
        `Rate limit exceeded. Please try again in ${s} second${s === 1 ? '' : 's'}.`,
        { retryAfter: s },
      );
    }
    await next();
  };
}
