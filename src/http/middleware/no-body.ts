import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

/**
 * For routes that take no request body (a POST that only names its object in the path): a
 * request declaring one is refused with 415 before anything is read, so a stalled or endless
 * body holds nothing. An empty body (`Content-Length: 0`) is fine.
 */
export function noRequestBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const length = c.req.header('content-length');
    const declared = length !== undefined && length.trim() !== '0';
    const streamed = length === undefined && c.req.raw.body !== null;
    if (declared || streamed || c.req.header('transfer-encoding') !== undefined) {
      throw new ApiError('unsupported_media_type', 'This route takes no request body');
    }
    await next();
  };
}
