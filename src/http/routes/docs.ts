import type { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

/** `GET /openapi.json` and the rendered reference at `GET /docs`. */
export function registerDocs(app: Hono<AppEnv>, deps: { openApi: Record<string, unknown> }): void {
  app.get('/openapi.json', (c) => c.json(deps.openApi));
}
