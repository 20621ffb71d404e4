import type { VerifiedKey } from '../keys/api-keys.ts';

export interface LimitDefaults {
  /** Requests per minute per key; 0 = unlimited. */
  readonly rpm: number;
  /** Generations in flight per key; 0 = unlimited. */
  readonly concurrency: number;
}

/** The limits in force for a key: its own overrides, else the configured defaults. */
export function limitsFor(key: VerifiedKey, defaults: LimitDefaults): LimitDefaults {
  return {
    rpm: key.limits.rpm ?? defaults.rpm,
    concurrency: key.limits.concurrency ?? defaults.concurrency,
  };
}
