/**
 * A reply queued through `POST /__fake/script` (or `fake.script()`); each generation request
 * that passes auth and validation takes the next one. Without `status` (and without `drop` or
 * `body`) the request is generated normally, optionally with `latencyMs`.
 */
export interface ScriptedResponse {
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
  /** Seconds, sent as `Retry-After`. */
  readonly retryAfter?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body sent as is (with `status`, default 200), replacing the error envelope. */
  readonly body?: unknown;
  /** Cut the connection instead of answering. */
  readonly drop?: boolean;
  readonly latencyMs?: number;
  /** How many requests this entry answers. Default 1. */
  readonly times?: number;
}
