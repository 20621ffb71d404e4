import type { Handler, Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/context.ts';

/** Routes registered behind the same middleware (signed in; operators only). */
export interface GuardedRoutes {
  get(path: string, handler: Handler<AppEnv>): void;
  post(path: string, handler: Handler<AppEnv>): void;
  delete(path: string, handler: Handler<AppEnv>): void;
}

export function guarded(
  app: Hono<AppEnv>,
  ...middleware: MiddlewareHandler<AppEnv>[]
): GuardedRoutes {
  const on = (method: string) => (path: string, handler: Handler<AppEnv>) =>
    void app.on([method], [path], ...middleware, handler);
  return { get: on('GET'), post: on('POST'), delete: on('DELETE') };
}
