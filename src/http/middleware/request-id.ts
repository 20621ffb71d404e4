import type { MiddlewareHandler } from 'hono';
import { requestId as newRequestId } from '../../ids.ts';
import type { AppEnv } from '../context.ts';

const CLIENT_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id, echoed as `X-Request-Id`. A well-formed id sent by the client
 * (or a proxy in front) is kept, so logs on both sides line up.
 */
export function requestId(options: { generate?: () => string } = {}): MiddlewareHandler<AppEnv> {
  const generate = options.generate ?? newRequestId;
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header('x-request-id');
    const id = incoming && CLIENT_ID.test(incoming) ? incoming : generate();
    c.set('requestId', id);
    // Set before the handler runs: a header added after the response exists makes Hono copy
    // the response (and re-stream its body), which costs milliseconds on large responses.
    c.header('X-Request-Id', id);
    await next();
    if (!c.res.headers.has('X-Request-Id')) c.header('X-Request-Id', id);
  };
}
