import type { Hono } from 'hono';
import { validSizes } from '../../contract/sizes.ts';
import type { AppEnv } from '../../http/context.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import type { ConsoleRouteDeps } from './deps.ts';
import { guarded } from './guard.ts';
import { registerOperatorRoutes } from './operator-routes.ts';
import { loadSession, operatorOnly, sessionCookies, signedIn } from './session.ts';

export type { ConsoleRouteDeps, HealthReport } from './deps.ts';

/**
 * The console's JSON API under /console/api/: session-authenticated, CSRF-protected on every
 * change, roles checked on every call. The console's pages are a client of it and nothing else.
 */
export function registerConsoleApi(app: Hono<AppEnv>, deps: ConsoleRouteDeps): void {
  const cookies = sessionCookies(deps.secureCookie);
  const load = loadSession(deps.console.sessions, cookies);
  const consoleHost = deps.consoleUrl ? new URL(deps.consoleUrl).host : undefined;
  registerAuthRoutes(app, deps, cookies, consoleHost);
  // Operator routes first: their fixed paths (/accounts/{id}/suspend, ...) are theirs alone.
  registerOperatorRoutes(guarded(app, signedIn(load, consoleHost), operatorOnly), deps);
  registerAccountRoutes(guarded(app, signedIn(load, consoleHost)), deps);
  app.get('/console/api/models', signedIn(load), (c) =>
    c.json({
      status: 'success',
      data: {
        models: deps.catalog.models.map((m) => ({
          id: m.id,
          name: m.name,
          price_per_image: m.pricePerImage,
          sizes: validSizes(m),
          default_size: m.defaultSize,
          prompt_modes: m.capabilities.promptModes,
          max_source_images: m.capabilities.maxSourceImages,
        })),
        default_model: deps.catalog.defaultModel,
      },
    }),
  );
}
