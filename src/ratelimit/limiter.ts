/** The outcome of counting one request against a key's requests-per-minute limit. */
export interface RateDecision {
  readonly allowed: boolean;
  /** The limit in force (requests per window); 0 means unlimited. */
  readonly limit: number;
  /** Requests still allowed in the window after this one. */
  readonly remaining: number;
  /** Seconds until one more request is allowed (the oldest counted request leaves the window). */
  readonly resetSeconds: number;
  /** When refused: whole seconds until a request would pass. */
  readonly retryAfterSeconds: number;
}

/**
 * Sliding-window request limiter: a request passes when fewer than `limit` requests of the
 * same key passed in the last `windowMs`. Refused requests are not counted, so a client that
 * keeps retrying is let through as soon as the window allows. Implementations: memory
 * (one process), Redis (shared by every replica).
 */
export interface RequestLimiter {
  hit(key: string, limit: number): Promise<RateDecision>;
}

export type ConcurrencySlot =
  | { readonly ok: true; release(): Promise<void> }
  | { readonly ok: false; readonly retryAfterSeconds: number };

/**
 * Bounds generations in flight per key. A slot held by a crashed process expires after its
 * lease, so a crash never locks a key out for good.
 */
export interface ConcurrencyLimiter {
  acquire(key: string, limit: number): Promise<ConcurrencySlot>;
}

export const WINDOW_MS = 60_000;

/** The decision when a key has no per-minute limit (limit 0): no headers, nothing counted. */
export const UNLIMITED: RateDecision = {
  allowed: true,
  limit: 0,
  remaining: 0,
  resetSeconds: 0,
  retryAfterSeconds: 0,
};
