import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  type ConcurrencyLimiter,
  type ConcurrencySlot,
  type RequestLimiter,
  UNLIMITED,
  WINDOW_MS,
} from './limiter.ts';
import { defineScript, LUA_NOW_MS, replyInts } from './redis-script.ts';

// KEYS[1]: the key's log, a sorted set of request ids scored by the time they passed.
// ARGV: limit, window ms, a unique id for this request.
// Trim what left the window, count, add when under the limit; all in one atomic step.
// Returns { allowed 0/1, requests counted in the window, ms until the oldest one leaves }.
const SLIDING_WINDOW_HIT = `${LUA_NOW_MS}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  allowed = 1
end
local oldest = now
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then oldest = tonumber(first[2]) end
redis.call('PEXPIRE', KEYS[1], window)
return { allowed, count, oldest + window - now }
`;

/**
 * The sliding-window log of the memory limiter, kept in Redis so every replica counts against
 * the same window: exact (no fixed-window bursts at the boundary), refused requests uncounted,
 * and Retry-After / X-RateLimit-Reset the real time until the oldest counted request leaves.
 */
export function createRedisRequestLimiter(options: {
  client: Redis;
  prefix: string;
  windowMs?: number;
}): RequestLimiter {
  const windowMs = options.windowMs ?? WINDOW_MS;
  const hitScript = defineScript(options.client, 'goodtakeRateHit', SLIDING_WINDOW_HIT, 1);
  return {
    async hit(key, limit) {
      if (limit <= 0) return UNLIMITED;
      const reply = await hitScript(
        [`${options.prefix}rate:${key}`],
        [limit, windowMs, randomUUID()],
      );
      const [allowed, count, untilOldestLeaves] = replyInts(reply, 3) as [number, number, number];
      const wait = Math.max(0, untilOldestLeaves);
      return {
        allowed: allowed === 1,
        limit,
        remaining: Math.max(0, limit - count),
        resetSeconds: Math.ceil(wait / 1000),
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(wait / 1000)),
      };
    },
  };
}

// KEYS[1]: the key's leases, a sorted set of lease ids scored by when they expire.
// ARGV: limit, lease ms, a unique id for this lease.
// Drops expired leases (their holder crashed), then takes one when under the limit.
// Returns { acquired 0/1, leases held }.
const LEASE_ACQUIRE = `${LUA_NOW_MS}
local limit = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= limit then return { 0, held } end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return { 1, held + 1 }
`;

/**
 * Generations in flight per key across every replica: each generation holds a lease in Redis
 * until it finishes. A replica that dies mid-generation cannot release; its leases expire after
 * `leaseMs` (longer than any generation may run) and are dropped by the next acquire.
 */
export function createRedisConcurrencyLimiter(options: {
  client: Redis;
  prefix: string;
  leaseMs: number;
  /** Called when a release could not reach Redis (the lease then expires on its own). */
  onReleaseFailure?: (err: unknown) => void;
}): ConcurrencyLimiter {
  const { client } = options;
  const acquireScript = defineScript(client, 'goodtakeLeaseAcquire', LEASE_ACQUIRE, 1);
  return {
    async acquire(key, limit): Promise<ConcurrencySlot> {
      if (limit <= 0) return { ok: true, release: async () => {} };
      const redisKey = `${options.prefix}inflight:${key}`;
      const lease = randomUUID();
      const [acquired] = replyInts(
        await acquireScript([redisKey], [limit, options.leaseMs, lease]),
        2,
      ) as [number, number];
      if (acquired !== 1) return { ok: false, retryAfterSeconds: 1 };
      let released = false;
      return {
        ok: true,
        async release() {
          if (released) return;
          released = true;
          try {
            await client.zrem(redisKey, lease);
          } catch (err) {
            options.onReleaseFailure?.(err);
          }
        },
      };
    },
  };
}
