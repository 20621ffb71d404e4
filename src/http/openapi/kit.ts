import { z } from 'zod';
import { ApiError, type ErrorCode, type RenderedError } from '../errors.ts';

/*
 * Pieces every part of the OpenAPI document is built from: JSON Schemas generated from the
 * zod schemas that validate (or, for responses, describe and test) the API, and error
 * responses whose examples are rendered by the very functions that render real errors.
 */

/** A JSON-compatible OpenAPI fragment. */
export type Fragment = Record<string, unknown>;

/** One part of the document: its paths, and the component schemas they refer to. */
export interface DocumentPart {
  readonly paths: Record<string, Fragment>;
  readonly schemas: Record<string, Fragment>;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Drops what zod adds for documents of its own (`$schema`, integer bounds of ±2^53-1). */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema') continue;
    if ((k === 'minimum' || k === 'maximum') && (v === SAFE || v === -SAFE)) continue;
    out[k] = clean(v);
  }
  return out;
}

/** The JSON Schema of a zod schema, as the request (`input`) or response (`output`) sees it. */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): Fragment {
  return clean(
    z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }),
  ) as Fragment;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The per-key rate-limit headers every authenticated answer carries. */
export const RATE_HEADERS: Record<string, Fragment> = {
  'X-RateLimit-Limit': { description: 'Requests allowed per minute.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window.',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until one more request is allowed.',
    schema: { type: 'integer' },
  },
};

/** The `Idempotency-Key` header, the same on every route that generates. */
export const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  example: 'order-7731-image-1',
  description:
    'Replays the first successful response for the same key and body within 24 hours (charged once); a different body under the same key is 409. Keys are per account, across both APIs.',
};

/** A request id as the examples show it. */
const EXAMPLE_REQUEST_ID = 'req_7Hq2LmX9aB3kP0sVzR4t';

/** One realistic instance of every error the native API answers, by code. */
export const EXAMPLE_ERRORS: Readonly<Record<ErrorCode, ApiError>> = {
  invalid_parameters: new ApiError(
    'invalid_parameters',
    'number_of_images must be an integer between 1 and 4',
    { field: 'number_of_images' },
  ),
  invalid_json: new ApiError('invalid_json', 'The request body is not valid JSON'),
  invalid_image: new ApiError(
    'invalid_image',
    'image_urls[0]: image_urls may not reference internal addresses',
  ),
  content_policy_violation: new ApiError(
    'content_policy_violation',
    'The request was refused by the content policy',
  ),
  unauthorized: new ApiError('unauthorized', 'Invalid or missing API key'),
  insufficient_credits: new ApiError(
    'insufficient_credits',
    'Insufficient credits to complete this request: it needs 8, the account has 3 available',
  ),
  forbidden: new ApiError(
    'forbidden',
    'The X-CSRF-Token header is missing or does not match the session',
  ),
  not_found: new ApiError('not_found', 'No such image'),
  method_not_allowed: new ApiError('method_not_allowed', 'GET is not allowed here; use POST'),
  request_timeout: new ApiError(
    'request_timeout',
    'No part of the request body arrived for 10000 ms',
  ),
  idempotency_conflict: new ApiError(
    'idempotency_conflict',
    'This Idempotency-Key was already used with a different request body',
  ),
  generation_finished: new ApiError(
    'generation_finished',
    'The generation has already finished (succeeded); there is nothing to cancel',
    { state: 'succeeded' },
  ),
  payload_too_large: new ApiError(
    'payload_too_large',
    'The request body is larger than the limit of 52428800 bytes',
  ),
  unsupported_media_type: new ApiError(
    'unsupported_media_type',
    'The request body must be JSON, sent with Content-Type: application/json',
  ),
  rate_limit_exceeded: new ApiError(
    'rate_limit_exceeded',
    'Rate limit exceeded. Please try again in 12 seconds.',
    { retryAfter: 12 },
  ),
  internal_error: new ApiError('internal_error', 'An internal error occurred'),
  upstream_error: new ApiError('upstream_error', 'The model provider failed to generate the image'),
  service_unavailable: new ApiError(
    'service_unavailable',
    'The model provider is at capacity. Please retry later.',
    { retryAfter: 30 },
  ),
  upstream_timeout: new ApiError('upstream_timeout', 'The model provider did not answer in time'),
};

const HEADER_DOCS: Readonly<Record<string, Fragment>> = {
  'Retry-After': {
    description: 'Whole seconds until a retry may pass.',
    schema: { type: 'integer', minimum: 1 },
  },
  'WWW-Authenticate': { description: 'Bearer realm="goodtake"', schema: { type: 'string' } },
  'x-should-retry': {
    description: 'false: the OpenAI SDKs must not retry this answer.',
    schema: { type: 'string', enum: ['false'] },
  },
};

/**
 * Error responses grouped by status, each with one named example per error, rendered by
 * `render` (the API's own error renderer) and described by the schema `schema`.
 */
export function errorResponses(
  render: (err: ApiError, requestId: string) => RenderedError,
  errors: readonly ApiError[],
  schema: string,
  /** What a status means on this route, beyond its codes. */
  notes: Readonly<Record<number, string>> = {},
): Record<string, Fragment> {
  const byStatus = new Map<number, Array<{ err: ApiError; rendered: RenderedError }>>();
  for (const err of errors) {
    const rendered = render(err, EXAMPLE_REQUEST_ID);
    const list = byStatus.get(rendered.status) ?? [];
    list.push({ err, rendered });
    byStatus.set(rendered.status, list);
  }
  const responses: Record<string, Fragment> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const examples: Record<string, Fragment> = {};
    const headers: Record<string, Fragment> = {};
    for (const { err, rendered } of list) {
      // Named by the code the client sees (both error shapes carry `error.code`).
      const name = (rendered.body as { error: { code: string | null } }).error.code ?? err.code;
      examples[name] = { summary: err.message, value: rendered.body };
      for (const header of Object.keys(rendered.headers)) {
        if (HEADER_DOCS[header]) headers[header] = HEADER_DOCS[header];
      }
    }
    const note = notes[status];
    responses[String(status)] = {
      description: `${Object.keys(examples).join(', ')}${note ? `: ${note}` : ''}`,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: { 'application/json': { schema: ref(schema), examples } },
    };
  }
  return responses;
}

/** What the body-related statuses mean on a route that reads a body. */
export const BODY_NOTES: Readonly<Record<number, string>> = {
  408: 'the body stalled (no byte for GOODTAKE_BODY_IDLE_TIMEOUT_MS) or took longer than GOODTAKE_BODY_TIMEOUT_MS',
  413: 'over 64 KiB of JSON besides the source images, or over GOODTAKE_BODY_LIMIT_BYTES in all',
  415: 'not a content type the route reads, or a Transfer-Encoding other than chunked, or a Content-Encoding other than identity',
};

/** The native errors of these codes (see EXAMPLE_ERRORS). */
export const examplesOf = (...codes: ErrorCode[]) => codes.map((c) => EXAMPLE_ERRORS[c]);
