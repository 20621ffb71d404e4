/** The capped exponential ceiling of attempt `retry` (0 for the first retry). */
export function backoffCeilingMs(retry: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** retry);
}

/** "Full jitter": a uniformly random wait below the capped exponential ceiling. */
export function fullJitterMs(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  return Math.floor(random() * backoffCeilingMs(retry, baseMs, maxMs));
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffSettings {
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Waits before retry `attempt + 1`: full jitter, but never less than `Retry-After`.
 * Resolves false when the signal aborted meanwhile.
 */
export async function backoffSleep(
  attempt: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  signal: AbortSignal,
): Promise<boolean> {
  const jitter = fullJitterMs(attempt, settings.retryBaseMs, settings.retryMaxMs, settings.random);
  await settings.sleep(Math.max(jitter, retryAfterMs ?? 0), signal);
  return !signal.aborted;
}

/** Whole seconds for a client's `retryAfter`, at least 1. */
export function toRetryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
