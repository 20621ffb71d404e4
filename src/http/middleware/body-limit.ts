import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';

/**
 * Refuses bodies over `maxSize` bytes. With a declared `Content-Length` (the common case) the
 * header decides: Node's HTTP parser delivers exactly that many bytes, and Hono's middleware
 * would ask for `c.req.raw.body`, which makes `@hono/node-server` build a WHATWG Request and a
 * web stream over the socket for every request instead of reading the body directly (about a
 * fifth of the per-request heap with thousands of requests open). Chunked bodies, whose size is
 * known only as they arrive, go through Hono's streaming limit.
 */
export function bodyLimit(o: {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  const streaming = streamingBodyLimit(o);
  return async function bodyLimitMiddleware(c, next) {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > o.maxSize) return o.onError(c);
      await next();
      return;
    }
    return streaming(c, next);
  };
}
