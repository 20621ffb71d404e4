import { type ErrorCode, STATUS_OF } from '../contract/error-codes.ts';

export { type ErrorCode, STATUS_OF };

export interface ApiErrorDetails {
  /** The request field at fault, for invalid_parameters (dot path, e.g. `image_urls.2`). */
  readonly field?: string;
  /** Whole seconds until a retry may pass (429, 503). */
  readonly retryAfter?: number;
  /** Extra response headers (e.g. rate-limit headers on a 429). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A finer machine-readable reason than the code, for APIs whose errors carry one (the
   * OpenAI-compatible routes' `error.code`, e.g. `unknown_parameter`).
   */
  readonly reason?: string;
  /** The state of the object the request could not change (`generation_finished`). */
  readonly state?: string;
}

/** An error the client is meant to see. Anything else thrown becomes a 500 internal_error. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly details: ApiErrorDetails;
  constructor(code: ErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return STATUS_OF[this.code];
  }
}

export interface ErrorBody {
  status: 'error';
  error: {
    code: ErrorCode;
    message: string;
    request_id: string;
    field?: string;
    retry_after?: number;
    state?: string;
  };
}

/** What an error renderer produces: the status, the JSON body and extra headers. */
export interface RenderedError {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

/** The one function that turns an error into the contract's response body and headers. */
export function renderError(
  err: ApiError,
  requestId: string,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const headers: Record<string, string> = { ...err.details.headers };
  const body: ErrorBody = {
    status: 'error',
    error: { code: err.code, message: err.message, request_id: requestId },
  };
  if (err.details.field) body.error.field = err.details.field;
  if (err.details.state) body.error.state = err.details.state;
  if (err.details.retryAfter !== undefined) {
    body.error.retry_after = err.details.retryAfter;
    headers['Retry-After'] = String(err.details.retryAfter);
  }
  if (err.code === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer realm="goodtake"';
  return { status: err.status, body, headers };
}
