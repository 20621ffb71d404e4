import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { AppEnv } from '../context.ts';

/** One log line and one metric sample per request: ids, route, status and time. Never headers or bodies. */
export function requestLog(log: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const key = c.get('apiKey');
    metrics.httpRequests.inc({
      route: c.req.routePath === '/*' ? 'unmatched' : c.req.routePath,
      method: c.req.method,
      status: c.res.status,
    });
    log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(key ? { accountId: key.accountId, keyId: key.id } : {}),
      },
      'request',
    );
  };
}
