import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves early (never rejects) when `signal` aborts, so callers check the signal. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A `Sleep` on real timers. */
export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0 || signal?.aborted) return;
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch {
    // Aborted: the caller looks at the signal.
  }
};
