import type { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

/** `GET /healthz`: 200 while serving and the database answers; 503 while shutting down. */
export function registerHealth(
  app: Hono<AppEnv>,
  deps: { checkDatabase: () => Promise<void>; shuttingDown: () => boolean; provider: string },
): void {
  app.get('/healthz', async (c) => {
    if (deps.shuttingDown()) return c.json({ status: 'shutting_down' }, 503);
    try {
      await deps.checkDatabase();
    } catch {
      return c.json({ status: 'degraded', database: 'unreachable' }, 503);
    }
    return c.json({ status: 'ok', database: 'ok', provider: deps.provider });
  });
}
