import type { Sleep } from './sleep.ts';
import type { ThroughputDecision, ThroughputGuard } from './throughput-guard.ts';

export interface MemoryThroughputGuardOptions {
  /** Images per window for a model; 0 or Infinity turns the guard off for it. */
  readonly limitFor: (model: string) => number;
  /** How long an acquire may wait for a slot before it is refused. */
  readonly maxQueueMs: number;
  readonly now: () => number;
  readonly sleep: Sleep;
  /** Sliding window length; one minute for an images-per-minute limit. */
  readonly windowMs?: number;
}

/**
 * A per-model sliding-window limiter in this process's memory. Each acquire reserves the earliest
 * instant at which the window has room (possibly in the future) and sleeps until then, so waiters
 * are served in arrival order and never overshoot the limit.
 */
export function createMemoryThroughputGuard(
  options: MemoryThroughputGuardOptions,
): ThroughputGuard {
  const windowMs = options.windowMs ?? 60_000;
  // Per model: granted or reserved instants, in non-decreasing order.
  const grants = new Map<string, number[]>();

  const release = (list: number[], at: number): void => {
    const i = list.lastIndexOf(at);
    if (i >= 0) list.splice(i, 1);
  };

  return {
    async acquire(model: string, signal: AbortSignal): Promise<ThroughputDecision> {
      const limit = options.limitFor(model);
      if (!(limit > 0) || limit === Number.POSITIVE_INFINITY) return { ok: true };
      const now = options.now();
      let list = grants.get(model);
      if (!list) {
        list = [];
        grants.set(model, list);
      }
      let expired = 0;
      while (expired < list.length && list[expired]! <= now - windowMs) expired++;
      if (expired > 0) list.splice(0, expired);

      const at = list.length < limit ? now : Math.max(now, list[list.length - limit]! + windowMs);
      const wait = at - now;
      if (wait > options.maxQueueMs) {
        return { ok: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
      }
      list.push(at);
      if (wait > 0) {
        await options.sleep(wait, signal);
        if (signal.aborted) {
          release(list, at);
          return { ok: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
        }
      }
      return { ok: true };
    },
  };
}
