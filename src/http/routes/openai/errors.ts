import type { ApiError, ErrorCode, RenderedError } from '../../errors.ts';

/** OpenAI's error body: every field present, `param` and `code` null when they do not apply. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface OpenAiErrorKind {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  /** `x-should-retry: false`: the OpenAI SDKs retry 409 and 429 unless told not to. */
  readonly final?: true;
}

/**
 * How each goodtake error reaches an OpenAI client: OpenAI's status and `type` for the same
 * situation, and goodtake's code as `code` where OpenAI has none of its own. An exhausted
 * balance is OpenAI's own answer to an exhausted quota (429 `insufficient_quota`), marked
 * final so the SDKs do not retry what cannot pass until credits are granted.
 */
export const OPENAI_ERRORS: Readonly<Record<ErrorCode, OpenAiErrorKind>> = {
  invalid_parameters: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  invalid_json: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  invalid_image: { status: 400, type: 'invalid_request_error', code: 'invalid_image' },
  content_policy_violation: {
    status: 400,
    type: 'invalid_request_error',
    code: 'content_policy_violation',
  },
  unauthorized: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  insufficient_credits: {
    status: 429,
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    final: true,
  },
  forbidden: { status: 403, type: 'invalid_request_error', code: 'forbidden' },
  not_found: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', code: 'method_not_allowed' },
  request_timeout: { status: 408, type: 'invalid_request_error', code: 'request_timeout' },
  idempotency_conflict: {
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_conflict',
    final: true,
  },
  generation_finished: {
    status: 409,
    type: 'invalid_request_error',
    code: 'generation_finished',
    final: true,
  },
  payload_too_large: { status: 413, type: 'invalid_request_error', code: 'payload_too_large' },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    code: 'unsupported_media_type',
  },
  rate_limit_exceeded: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  internal_error: { status: 500, type: 'server_error', code: 'internal_error' },
  upstream_error: { status: 502, type: 'server_error', code: 'upstream_error' },
  service_unavailable: { status: 503, type: 'server_error', code: 'service_unavailable' },
  upstream_timeout: { status: 504, type: 'server_error', code: 'upstream_timeout' },
};

/** The body of an error in OpenAI's shape (also the payload of a stream's `error` event). */
export function openAiErrorBody(err: ApiError): OpenAiErrorBody {
  const kind = OPENAI_ERRORS[err.code];
  return {
    error: {
      message: err.message,
      type: kind.type,
      param: err.details.field ?? null,
      code: err.details.reason ?? kind.code,
    },
  };
}

/** The one function that turns an error into an OpenAI-compatible route's response. */
export function renderOpenAiError(err: ApiError, _requestId: string): RenderedError {
  const kind = OPENAI_ERRORS[err.code];
  const headers: Record<string, string> = { ...err.details.headers };
  if (err.details.retryAfter !== undefined) {
    headers['Retry-After'] = String(err.details.retryAfter);
  }
  if (kind.final) headers['x-should-retry'] = 'false';
  if (err.code === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer realm="goodtake"';
  return { status: kind.status, body: openAiErrorBody(err), headers };
}
