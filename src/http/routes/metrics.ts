import type { Context, Hono } from 'hono';
import type { Metrics } from '../../metrics/metrics.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

/**
 * `GET /metrics` (Prometheus) on the public port, for an operator's console session or the
 * scrape token only. When GOODTAKE_METRICS_LISTEN gives it a listener of its own, the public
 * port has no /metrics at all (see src/server.ts).
 */
export function registerMetrics(
  app: Hono<AppEnv>,
  deps: { metrics: Metrics; allowed: (c: Context<AppEnv>) => Promise<boolean> },
): void {
  app.get('/metrics', async (c) => {
    if (!(await deps.allowed(c))) {
      throw new ApiError(
        'unauthorized',
        'Metrics need an operator session or the scrape token (Authorization: Bearer)',
      );
    }
    return c.body(await deps.metrics.registry.metrics(), 200, {
      'Content-Type': deps.metrics.registry.contentType,
    });
  });
}
