import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';

/**
 * Checks how a request's body is framed and encoded before any route sees it, for every route:
 * - `Transfer-Encoding` may only be `chunked` (Node de-chunks it); any other coding, e.g.
 *   `gzip, chunked`, would leave the body compressed while routes read it as plain: 415.
 * - `Content-Encoding` may only be `identity`: compressed request bodies would dodge every
 *   size bound (a small gzip expands a thousandfold) and no route decompresses them: 415.
 * Sizes and timeouts are the body reader's (src/http/body/), after authentication.
 */
export function requestFraming(): MiddlewareHandler {
  return async function requestFramingMiddleware(c, next) {
    const transfer = c.req.header('transfer-encoding');
    if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
      throw new ApiError(
        'unsupported_media_type',
        `Transfer-Encoding '${transfer.slice(0, 64)}' is not supported; send the body plain (Content-Length) or chunked`,
      );
    }
    const coding = c.req.header('content-encoding');
    if (coding !== undefined && !/^\s*(identity)?\s*$/i.test(coding)) {
      throw new ApiError(
        'unsupported_media_type',
        `Content-Encoding '${coding.slice(0, 64)}' is not supported; send the body uncompressed`,
      );
    }
    await next();
  };
}
