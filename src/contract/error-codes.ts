/*
 * The contract's error codes and their HTTP statuses, defined once: the server renders them
 * (src/http/errors.ts), the use cases record them, and the SDK and CLI carry a copy that
 * test/contract/drift.test.ts compares with this one.
 */

/** Every error code the API returns, and its HTTP status (the contract's table). */
export const STATUS_OF = {
  invalid_parameters: 400,
  invalid_json: 400,
  invalid_image: 400,
  content_policy_violation: 400,
  unauthorized: 401,
  insufficient_credits: 403,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  idempotency_conflict: 409,
  generation_finished: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limit_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  service_unavailable: 503,
  upstream_timeout: 504,
} as const satisfies Record<string, number>;

/** One of the contract's error codes. */
export type ErrorCode = keyof typeof STATUS_OF;
