import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';

/**
 * Checks how a request's body is framed and encoded before any route sees it, for every route:
 * - `Transfer-Encoding` may only be `chunked` (Node de-chunks it); any other coding, e.g.
 *   `gzip, chunked`, would leave the body compressed while routes read it as plain: 415.
 * - `Content-Encoding` may only be `identity`: compressed request bodies would dodge every
 *   size bound (a small gzip expands a thousandfold) and no route decompresses them: 415.
 * - A declared `Content-Length` over the server-wide limit is refused (413) at once, without
 *   reading a byte, whatever the route and before authentication.
 */
export function requestFraming(options: { maxBodyBytes: number }): MiddlewareHandler {
  return async function requestFramingMiddleware(c, next) {
    const transfer = c.req.header('transfer-encoding');
    if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
      throw new ApiError(
        'unsupported_media_type',
        `Transfer-Encoding '${transfer.slice(0, 64)}' is not supported; send the body plain (Content-Length) or chunked`,
        { headers: { Connection: 'close' } },
      );
    }
    const coding = c.req.header('content-encoding');
    if (coding !== undefined && !/^\s*(identity)?\s*$/i.test(coding)) {
      throw new ApiError(
        'unsupported_media_type',
        `Content-Encoding '${coding.slice(0, 64)}' is not supported; send the body uncompressed`,
        { headers: { Connection: 'close' } },
      );
    }
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > options.maxBodyBytes) {
      throw new ApiError(
        'payload_too_large',
        `The request body is larger than the limit of ${options.maxBodyBytes} bytes`,
        { headers: { Connection: 'close' } },
      );
    }
    await next();
  };
}
