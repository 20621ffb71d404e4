/** The answer of a throughput guard: go ahead, or not before `retryAfter` seconds. */
export type ThroughputDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryAfter: number };

/**
 * Keeps goodtake under the upstream's images-per-minute limit (500 per model per account on
 * ModelArk), so a burst waits briefly in goodtake instead of hammering the upstream into 429s.
 * Implementations: in memory (one process); a shared one (for example Redis) for several replicas.
 */
export interface ThroughputGuard {
  /**
   * Takes one image slot for `model`, waiting for capacity for a bounded time. Resolves
   * `{ ok: false }` when capacity will not free up soon enough, or when `signal` aborts.
   */
  acquire(model: string, signal: AbortSignal): Promise<ThroughputDecision>;
}
