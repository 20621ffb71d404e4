import type { VerifiedKey } from '../keys/api-keys.ts';

/** Typed per-request values, set once by middleware and read by handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The API key that authenticated the request (set by `authenticate`). */
    apiKey: VerifiedKey;
  };
}
