import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript, LUA_NOW_MS, replyInts } from '../../ratelimit/redis-script.ts';
import { realSleep, type Sleep } from './sleep.ts';
import type { ThroughputDecision, ThroughputGuard } from './throughput-guard.ts';

// KEYS[1]: the model's grants, a sorted set of slot ids scored by the instant each slot starts
// (possibly in the future: a queued job's turn). ARGV: limit, window ms, max queue ms, slot id.
// The earliest instant with room is now when fewer than `limit` slots lie in the last window,
// else one window after the slot `limit` places back. Returns { granted 0/1, wait ms }.
const TAKE_SLOT = `${LUA_NOW_MS}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxQueue = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local at = now
if n >= limit then
  local e = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  at = math.max(now, tonumber(e[2]) + window)
end
local wait = at - now
if wait > maxQueue then return { 0, wait } end
redis.call('ZADD', KEYS[1], at, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window + maxQueue + 1000)
return { 1, wait }
`;

export interface RedisThroughputGuardOptions {
  readonly client: Redis;
  /** Key prefix of the installation, e.g. `goodtake:`. */
  readonly prefix: string;
  /** Images per window for a model; 0 or Infinity turns the guard off for it. */
  readonly limitFor: (model: string) => number;
  /** How long an acquire may wait for a slot before it is refused. */
  readonly maxQueueMs: number;
  /** Default: real timers. */
  readonly sleep?: Sleep;
  /** When Redis cannot be reached: refuse the job (`closed`) or let it through (`open`). */
  readonly failureMode: 'closed' | 'open';
  /** Seconds a refused job is told to wait when Redis is unavailable. */
  readonly unavailableRetryAfter: number;
  readonly onFailure?: (err: unknown) => void;
  /** Sliding window length; one minute for an images-per-minute limit. */
  readonly windowMs?: number;
}

/**
 * The upstream images-per-minute guard shared by every replica: the memory guard's algorithm
 * (each job reserves the earliest instant the window has room, and sleeps until then, so jobs
 * are served in arrival order and the limit is never overshot), on one sorted set per model in
 * Redis, timed by the Redis server's clock.
 */
export function createRedisThroughputGuard(options: RedisThroughputGuardOptions): ThroughputGuard {
  const windowMs = options.windowMs ?? 60_000;
  const sleep = options.sleep ?? realSleep;
  const takeSlot = defineScript(options.client, 'goodtakeThroughputSlot', TAKE_SLOT, 1);

  return {
    async acquire(model: string, signal: AbortSignal): Promise<ThroughputDecision> {
      const limit = options.limitFor(model);
      if (!(limit > 0) || limit === Number.POSITIVE_INFINITY) return { ok: true };
      const key = `${options.prefix}throughput:${model}`;
      const slot = randomUUID();
      let granted: number;
      let wait: number;
      try {
        [granted, wait] = replyInts(
          await takeSlot([key], [limit, windowMs, options.maxQueueMs, slot]),
          2,
        ) as [number, number];
      } catch (err) {
        options.onFailure?.(err);
        return options.failureMode === 'open'
          ? { ok: true }
          : { ok: false, retryAfter: options.unavailableRetryAfter };
      }
      if (granted !== 1) return { ok: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
      if (wait > 0) {
        await sleep(wait, signal);
        if (signal.aborted) {
          // Give the slot back so the jobs queued behind it are not held up for nothing.
          await options.client.zrem(key, slot).catch((err: unknown) => options.onFailure?.(err));
          return { ok: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
        }
      }
      return { ok: true };
    },
  };
}
