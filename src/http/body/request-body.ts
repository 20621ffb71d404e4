import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';
import {
  createJsonShapeScanner,
  type JsonPath,
  type JsonShapeFailure,
  type JsonShapeLimits,
} from './json-scan.ts';
import { type BodyReadFailure, readBoundedBody } from './read-body.ts';

/*
 * How every route reads its request body. Routes never call `c.req.json()`, `c.req.text()`,
 * `c.req.arrayBuffer()`, `c.req.formData()` or `c.req.parseBody()`: those read without any bound
 * of size or time. They use `c.var.body` instead, set for every request by `requestBodies()`:
 *
 *   // JSON (application/json): bounded in bytes, time, nesting, members and string lengths,
 *   // all checked while the body streams in, before JSON.parse sees it.
 *   const value: unknown = await c.var.body.json({ maxBytes: 64 * 1024 });
 *
 *   // Anything else (multipart/form-data, an image): the raw bytes, bounded in size and time.
 *   // A multipart route then parses them, e.g. with `new Response(bytes, { headers:
 *   // { 'content-type': c.req.header('content-type')! } }).formData()`, and checks the parts.
 *   const bytes = await c.var.body.bytes({ maxBytes: 20 * 1024 * 1024 });
 *
 * Both throw the contract's errors (413 payload_too_large, 408 request_timeout, 415, 400). A body
 * refused before its end stops being read at once; after the response the server discards what
 * still arrives for at most 500 ms (64 MB), so the client reliably reads the answer, then closes.
 * `maxBytes` should be what the route can use; it is capped by the server-wide
 * GOODTAKE_BODY_LIMIT_BYTES. The timeouts are server-wide (GOODTAKE_BODY_IDLE_TIMEOUT_MS,
 * GOODTAKE_BODY_TIMEOUT_MS). test/http/hostile-routes.test.ts sends stalled and oversized bodies
 * to every registered route, so a route that reads its body some other way fails there.
 */

/** Server-wide body settings, from the configuration. */
export interface BodySettings {
  /** The largest body any route accepts (GOODTAKE_BODY_LIMIT_BYTES). */
  readonly maxBytes: number;
  /** Longest wait for the next chunk of a body (GOODTAKE_BODY_IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs: number;
  /** Longest time to read a whole body (GOODTAKE_BODY_TIMEOUT_MS). */
  readonly totalTimeoutMs: number;
}

/** JSON bodies are bounded like this unless a route says otherwise. */
export const DEFAULT_JSON_SHAPE: Omit<JsonShapeLimits, 'maxStructureBytes'> = {
  maxDepth: 32,
  maxMembers: 1000,
  maxKeyBytes: 1024,
};

/** What a JSON route accepts. */
export interface JsonBodySpec {
  /** Most bytes in all; 1 MiB unless set, and never more than the server-wide limit. */
  readonly maxBytes?: number;
  /** Shape limits; `maxStructureBytes` defaults to `maxBytes`. */
  readonly shape?: Partial<JsonShapeLimits>;
  /** The route's own wording of a shape failure (which field, in its terms); undefined = generic. */
  readonly describe?: (failure: JsonShapeFailure) => ApiError | undefined;
}

export interface RequestBody {
  /** The body as JSON (Content-Type application/json, UTF-8), within `spec`'s bounds. */
  json(spec?: JsonBodySpec): Promise<unknown>;
  /**
   * The body's bytes, whatever their type, within `maxBytes`. `inspect` sees each chunk as it
   * arrives (a streaming parser, e.g. of multipart/form-data) and may refuse the body there by
   * returning the error to answer; reading then stops at once.
   */
  bytes(options?: {
    maxBytes?: number;
    inspect?: (chunk: Buffer) => ApiError | undefined;
  }): Promise<Buffer>;
}

const DEFAULT_JSON_MAX_BYTES = 1024 * 1024;
const JSON_TYPE = /^application\/json\s*(;|$)/i;
/** JSON on the wire is UTF-8 (RFC 8259); invalid bytes are refused, never replaced. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A path as the error's `field`: `image_urls.2`, `extra.a.b`. */
export function fieldOf(path: JsonPath): string {
  return path.map(String).join('.');
}

/** The generic wording of a shape failure. */
function shapeError(failure: JsonShapeFailure): ApiError {
  switch (failure.kind) {
    case 'structure_too_large':
      return new ApiError(
        'payload_too_large',
        `The request body is larger than this endpoint accepts (${failure.limit} bytes of JSON)`,
      );
    case 'too_deep':
      return new ApiError(
        'invalid_parameters',
        `${fieldOf(failure.path) || 'the request body'}: JSON nested deeper than ${failure.limit} levels`,
        { field: fieldOf(failure.path) },
      );
    case 'too_many_members':
      return new ApiError(
        'invalid_parameters',
        `${fieldOf(failure.path) || 'the request body'}: more than ${failure.limit} members`,
        { field: fieldOf(failure.path) },
      );
    case 'key_too_long':
      return new ApiError(
        'invalid_parameters',
        `${fieldOf(failure.path) || 'the request body'}: a member name is longer than ${failure.limit} bytes`,
        { field: fieldOf(failure.path) },
      );
    case 'string_too_long':
      return new ApiError(
        'invalid_parameters',
        `${fieldOf(failure.path)}: longer than ${failure.limit} bytes`,
        { field: fieldOf(failure.path) },
      );
    case 'syntax':
      return new ApiError('invalid_json', 'The request body is not valid JSON');
  }
}

/** The contract's error for a body that could not be read. */
function readError<F>(
  failure: BodyReadFailure<F>,
  incomplete: ApiError,
  rejected: (f: F) => ApiError,
): ApiError {
  switch (failure.kind) {
    case 'too_large':
      return new ApiError(
        'payload_too_large',
        `The request body is larger than the limit of ${failure.limit} bytes`,
      );
    case 'idle_timeout':
      return new ApiError(
        'request_timeout',
        `No part of the request body arrived for ${failure.limit} ms`,
      );
    case 'total_timeout':
      return new ApiError(
        'request_timeout',
        `The request body did not arrive in full within ${failure.limit} ms`,
      );
    case 'incomplete':
      return incomplete;
    case 'rejected':
      return rejected(failure.failure);
  }
}

/** The body reader of one request. */
export function createRequestBody(c: Context, settings: BodySettings): RequestBody {
  const bounds = (maxBytes: number) => ({
    maxBytes: Math.min(maxBytes, settings.maxBytes),
    idleTimeoutMs: settings.idleTimeoutMs,
    totalTimeoutMs: settings.totalTimeoutMs,
  });
  return {
    async bytes(options = {}) {
      const read = await readBoundedBody(
        c,
        bounds(options.maxBytes ?? settings.maxBytes),
        options.inspect,
      );
      if (read.ok) return read.bytes;
      throw readError(
        read.failure,
        new ApiError('invalid_parameters', 'The request body ended before it was complete'),
        (refusal) => refusal,
      );
    },

    async json(spec = {}) {
      const type = c.req.header('content-type');
      if (!type || !JSON_TYPE.test(type)) {
        throw new ApiError(
          'unsupported_media_type',
          'The request body must be JSON, sent with Content-Type: application/json',
        );
      }
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        throw new ApiError('unsupported_media_type', 'JSON bodies must be encoded as UTF-8');
      }
      const limits = bounds(spec.maxBytes ?? DEFAULT_JSON_MAX_BYTES);
      const scanner = createJsonShapeScanner({
        ...DEFAULT_JSON_SHAPE,
        maxStructureBytes: limits.maxBytes,
        ...spec.shape,
      });
      const read = await readBoundedBody(c, limits, (chunk) => scanner.push(chunk));
      if (!read.ok) {
        throw readError(
          read.failure,
          new ApiError('invalid_json', 'The request body ended before it was complete'),
          (f) => spec.describe?.(f) ?? shapeError(f),
        );
      }
      let text: string;
      try {
        text = STRICT_UTF8.decode(read.bytes);
      } catch {
        throw new ApiError('invalid_json', 'The request body is not valid UTF-8');
      } finally {
        // The text is a copy: the bytes (up to the body limit) are not needed any more.
        read.release();
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ApiError('invalid_json', 'The request body is not valid JSON');
      }
    },
  };
}

/** Gives every request its bounded body reader, `c.var.body`. */
export function requestBodies(settings: BodySettings): MiddlewareHandler<{
  Variables: { body: RequestBody };
}> {
  return async function requestBodiesMiddleware(c, next) {
    c.set('body', createRequestBody(c, settings));
    await next();
  };
}
