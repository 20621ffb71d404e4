import { parseRetryAfter } from '../internal/headers.ts';

/** What an error body of the API carries: `{ status: 'error', error: { ... } }`. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly request_id?: string;
  readonly field?: string;
  readonly retry_after?: number;
}

/** Fields every GoodTake error carries. */
export interface GoodTakeErrorInit {
  readonly code: string;
  /** HTTP status; undefined when no response arrived. */
  readonly status?: number | undefined;
  readonly requestId?: string | undefined;
  readonly field?: string | undefined;
  /** Seconds the server asked to wait before retrying (429, 503). */
  readonly retryAfter?: number | undefined;
  readonly headers?: Headers | undefined;
  readonly cause?: unknown;
}

/**
 * The base of every error the SDK throws. Subclasses are named by meaning; `code` is the
 * API's error code (`invalid_parameters`, `rate_limit_exceeded`, ...) or, for failures
 * without a response, `connection_error`, `timeout` or `aborted`.
 *
 * @example
 * ```ts
 * try {
 *   await client.images.generate({ prompt: 'a lighthouse' });
 * } catch (err) {
 *   if (err instanceof RateLimitError) console.log(`retry in ${err.retryAfter}s`);
 *   else if (err instanceof GoodTakeError) console.log(err.code, err.requestId);
 *   else throw err;
 * }
 * ```
 */
export class GoodTakeError extends Error {
  override name = 'GoodTakeError';
  readonly code: string;
  readonly status: number | undefined;
  /** The server's request id (from the body, else the `X-Request-Id` header): quote it in reports. */
  readonly requestId: string | undefined;
  /** The request field at fault, when the API names one (`size`, `image_urls.2`). */
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  readonly headers: Headers | undefined;

  constructor(message: string, init: GoodTakeErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.field = init.field;
    this.retryAfter = init.retryAfter;
    this.headers = init.headers;
  }

  /**
   * The one place an HTTP error response becomes an error class: by status, and for 400 by
   * code. `body` is the parsed JSON body, or anything else when it could not be parsed.
   *
   * @example
   * ```ts
   * const res = await fetch(url, init);
   * if (!res.ok) throw GoodTakeError.from(res, await res.json().catch(() => undefined));
   * ```
   */
  static from(response: Response, body: unknown): GoodTakeError {
    const error = errorBodyOf(body);
    const status = response.status;
    const code = error?.code ?? codeForStatus(status);
    const retryAfter = error?.retry_after ?? parseRetryAfter(response.headers.get('retry-after'));
    const init: GoodTakeErrorInit = {
      code,
      status,
      requestId: error?.request_id ?? response.headers.get('x-request-id') ?? undefined,
      field: error?.field,
      retryAfter,
      headers: response.headers,
    };
    const message = `${status} ${code}: ${error?.message ?? (response.statusText || 'request failed')}`;
    const ErrorClass = classFor(status, code);
    return new ErrorClass(message, init);
  }
}

/** 400 (`invalid_parameters`, `invalid_json`, `invalid_image`), 405, 413 and 415: fix the request. */
export class InvalidRequestError extends GoodTakeError {
  override name = 'InvalidRequestError';
}

/** 400 `content_policy_violation`: the model provider refused the prompt or an input image. */
export class ContentPolicyError extends GoodTakeError {
  override name = 'ContentPolicyError';
}

/** 401: the API key is missing, malformed, unknown, revoked or expired. */
export class AuthenticationError extends GoodTakeError {
  override name = 'AuthenticationError';
}

/** 403: the account cannot pay for the requested images. Nothing was charged. */
export class InsufficientCreditsError extends GoodTakeError {
  override name = 'InsufficientCreditsError';
}

/** 404: no such route or image (often a wrong `baseURL`). */
export class NotFoundError extends GoodTakeError {
  override name = 'NotFoundError';
}

/** 409: the `Idempotency-Key` was already used with a different request body. */
export class ConflictError extends GoodTakeError {
  override name = 'ConflictError';
}

/** 429: the key's rate or concurrency limit; `retryAfter` says when a request would pass. */
export class RateLimitError extends GoodTakeError {
  override name = 'RateLimitError';
}

/** 500: a bug on the server side. */
export class InternalServerError extends GoodTakeError {
  override name = 'InternalServerError';
}

/** 502, 503, 504: the model provider failed, is overloaded, or timed out. */
export class UpstreamError extends GoodTakeError {
  override name = 'UpstreamError';
}

/** No response: DNS, refused or reset connection, or an unreadable body. */
export class ConnectionError extends GoodTakeError {
  override name = 'ConnectionError';
}

/** The request took longer than its `timeout`. It is not retried: the work may still be running. */
export class TimeoutError extends GoodTakeError {
  override name = 'TimeoutError';
}

/** The caller's `AbortSignal` fired. Named like the DOM's so `err.name === 'AbortError'` checks work. */
export class AbortError extends GoodTakeError {
  override name = 'AbortError';
}

type ErrorClass = new (message: string, init: GoodTakeErrorInit) => GoodTakeError;

function classFor(status: number, code: string): ErrorClass {
  if (status === 400) {
    return code === 'content_policy_violation' ? ContentPolicyError : InvalidRequestError;
  }
  if (status === 401) return AuthenticationError;
  if (status === 403) return InsufficientCreditsError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status === 405 || status === 413 || status === 415 || status === 422) {
    return InvalidRequestError;
  }
  if (status === 502 || status === 503 || status === 504) return UpstreamError;
  if (status >= 500) return InternalServerError;
  return GoodTakeError;
}

/**
 * Every error code the API returns, and its HTTP status: the API's own table (goodtake's
 * test/contract/drift.test.ts fails when the two differ).
 */
export const ERROR_STATUS = {
  invalid_parameters: 400,
  invalid_json: 400,
  invalid_image: 400,
  content_policy_violation: 400,
  unauthorized: 401,
  insufficient_credits: 403,
  // The web console's refusals (a missing CSRF token, an operator page); the API never sends it.
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
} as const;

/** One of the API's error codes. */
export type ErrorCode = keyof typeof ERROR_STATUS;

// The first code of each status is the one a body without a code stands for.
const CODE_FOR_STATUS: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ERROR_STATUS)
    .reverse()
    .map(([code, status]) => [status, code]),
);

/** For bodies without an error code (a proxy's HTML page, say): the contract's code for the status. */
function codeForStatus(status: number): string {
  return CODE_FOR_STATUS[status] ?? `http_${status}`;
}

function errorBodyOf(body: unknown): ErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string') return undefined;
  return {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : '',
    ...(typeof e.request_id === 'string' ? { request_id: e.request_id } : {}),
    ...(typeof e.field === 'string' && e.field !== '' ? { field: e.field } : {}),
    ...(typeof e.retry_after === 'number' && e.retry_after >= 0
      ? { retry_after: e.retry_after }
      : {}),
  };
}
