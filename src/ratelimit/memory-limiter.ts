import {
  type ConcurrencyLimiter,
  type ConcurrencySlot,
  type RequestLimiter,
  UNLIMITED,
  WINDOW_MS,
} from './limiter.ts';

/** In-process sliding-window log per key: exact, for the single-machine mode. */
export function createMemoryRequestLimiter(
  options: { now?: () => number; windowMs?: number } = {},
): RequestLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? WINDOW_MS;
  const logs = new Map<string, number[]>();
  let lastSweep = 0;

  const sweep = (at: number) => {
    if (at - lastSweep < windowMs) return;
    lastSweep = at;
    for (const [key, log] of logs) {
      if (log.length === 0 || log[log.length - 1]! <= at - windowMs) logs.delete(key);
    }
  };

  return {
    async hit(key, limit) {
      if (limit <= 0) return UNLIMITED;
      const at = now();
      sweep(at);
      const log = logs.get(key) ?? [];
      let expired = 0;
      while (expired < log.length && log[expired]! <= at - windowMs) expired++;
      if (expired > 0) log.splice(0, expired);
      const allowed = log.length < limit;
      if (allowed) log.push(at);
      logs.set(key, log);
      const oldest = log[0] ?? at;
      const untilOldestLeaves = Math.max(0, oldest + windowMs - at);
      const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil(untilOldestLeaves / 1000));
      return {
        allowed,
        limit,
        remaining: Math.max(0, limit - log.length),
        resetSeconds: Math.ceil(untilOldestLeaves / 1000),
        retryAfterSeconds,
      };
    },
  };
}

/** In-process counter of generations in flight per key. */
export function createMemoryConcurrencyLimiter(): ConcurrencyLimiter {
  const inFlight = new Map<string, number>();
  return {
    async acquire(key, limit): Promise<ConcurrencySlot> {
      const current = inFlight.get(key) ?? 0;
      if (limit > 0 && current >= limit) return { ok: false, retryAfterSeconds: 1 };
      inFlight.set(key, current + 1);
      let released = false;
      return {
        ok: true,
        async release() {
          if (released) return;
          released = true;
          const left = (inFlight.get(key) ?? 1) - 1;
          if (left <= 0) inFlight.delete(key);
          else inFlight.set(key, left);
        },
      };
    },
  };
}
