import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AccountService } from '../accounts/accounts.ts';
import type { HealthReport } from '../console/http/deps.ts';
import { registerConsoleApi } from '../console/http/index.ts';
import {
  loadSession,
  type SecureCookieMode,
  sameToken,
  sessionCookies,
} from '../console/http/session.ts';
import { registerConsolePages } from '../console/http/static.ts';
import type { ConsoleServices } from '../console/services.ts';
import { CreditLimitError } from '../ledger/limits.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { LimitsUnavailableError } from '../ratelimit/redis-failure-policy.ts';
import { type BodySettings, requestBodies } from './body/request-body.ts';
import type { AppEnv } from './context.ts';
import { ApiError, renderError } from './errors.ts';
import { requestFraming } from './middleware/request-framing.ts';
import { requestId } from './middleware/request-id.ts';
import { requestLog } from './middleware/request-log.ts';
import { type AccountRouteDeps, registerAccount } from './routes/account.ts';
import { registerDocs } from './routes/docs.ts';
import { type GenerateImageRouteDeps, registerGenerateImage } from './routes/generate-image.ts';
import { type GenerationRouteDeps, registerGenerations } from './routes/generations.ts';
import { registerHealth } from './routes/health.ts';
import { registerImages } from './routes/images.ts';
import { registerMetrics } from './routes/metrics.ts';
import { type ModelRouteDeps, registerModels } from './routes/models.ts';
import { renderOpenAiError } from './routes/openai/errors.ts';
import { OPENAI_PREFIX, type OpenAiRouteDeps, registerOpenAi } from './routes/openai/index.ts';
import { registerWebhooks, type WebhookRouteDeps } from './routes/webhooks.ts';

export interface AppDeps
  extends GenerateImageRouteDeps,
    AccountRouteDeps,
    OpenAiRouteDeps,
    ModelRouteDeps,
    GenerationRouteDeps,
    WebhookRouteDeps {
  readonly log: Logger;
  readonly checkDatabase: () => Promise<void>;
  readonly shuttingDown: () => boolean;
  readonly providerId: string;
  readonly openApi: Record<string, unknown>;
  readonly metrics: Metrics;
  /** Bounds of every request body: size and time (see src/http/body/request-body.ts). */
  readonly bodies: BodySettings;
  /** The web console: its API under /console/api/ and its pages at /console/. */
  readonly console: {
    readonly services: ConsoleServices;
    readonly accounts: AccountService;
    readonly url: string | undefined;
    readonly secureCookie: SecureCookieMode;
    readonly health: () => HealthReport;
  };
  /**
   * Who may read /metrics on this app: `token` (Bearer) or an operator's console session.
   * `separate`: it has a listener of its own, and this app has no /metrics.
   */
  readonly metricsAccess: { readonly token: string | undefined; readonly separate: boolean };
}

/**
 * The HTTP application as a function of its dependencies. Middleware order and every route
 * are listed here; `onError` is the only place that turns errors into responses.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(requestLog(deps.log, deps.metrics));
  // Every route, including those added later: no unsupported transfer or content coding, and
  // bodies read only through the bounded `c.var.body`.
  app.use(requestFraming());
  app.use(requestBodies(deps.bodies));
  // While shutting down, close each keep-alive connection after its response, so the server
  // can finish in-flight requests and exit without waiting for idle clients.
  app.use(async function closeWhenDraining(c, next) {
    // New API work arriving on a kept-alive connection while draining is turned away.
    if (
      deps.shuttingDown() &&
      (c.req.path.startsWith('/api/') || c.req.path.startsWith(OPENAI_PREFIX))
    ) {
      c.header('Connection', 'close');
      throw new ApiError('service_unavailable', 'The server is shutting down. Please retry.', {
        retryAfter: 5,
      });
    }
    await next();
    if (deps.shuttingDown()) c.header('Connection', 'close');
  });

  registerHealth(app, {
    checkDatabase: deps.checkDatabase,
    shuttingDown: deps.shuttingDown,
    provider: deps.providerId,
  });
  registerDocs(app, { openApi: deps.openApi });
  if (!deps.metricsAccess.separate) {
    const load = loadSession(
      deps.console.services.sessions,
      sessionCookies(deps.console.secureCookie),
    );
    registerMetrics(app, {
      metrics: deps.metrics,
      allowed: async (c) => {
        const bearer = /^Bearer[ \t]+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
        if (deps.metricsAccess.token && sameToken(bearer, deps.metricsAccess.token)) return true;
        return (await load(c))?.role === 'operator';
      },
    });
  }
  registerGenerateImage(app, deps);
  registerAccount(app, deps);
  registerModels(app, deps);
  registerGenerations(app, deps);
  registerWebhooks(app, deps);
  registerImages(app, deps);
  registerOpenAi(app, deps);
  registerConsoleApi(app, {
    ...deps,
    console: deps.console.services,
    accounts: deps.console.accounts,
    consoleUrl: deps.console.url,
    secureCookie: deps.console.secureCookie,
    health: deps.console.health,
  });
  registerConsolePages(app, { publicBaseUrl: deps.publicBaseUrl });

  app.notFound(() => {
    throw new ApiError('not_found', 'No such route');
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else if (err instanceof LimitsUnavailableError) {
      apiError = new ApiError(
        'service_unavailable',
        'Rate limits cannot be checked right now. Please retry shortly.',
        { retryAfter: err.retryAfterSeconds },
      );
    } else if (err instanceof CreditLimitError) {
      // An amount over the ledger's documented maximum, from any route that moves credits.
      apiError = new ApiError('invalid_parameters', err.message);
    } else if (err instanceof HTTPException && err.status < 500) {
      apiError = new ApiError(err.status === 404 ? 'not_found' : 'invalid_parameters', err.message);
    } else {
      deps.log.error({ err, requestId }, 'unhandled error');
      apiError = new ApiError('internal_error', 'An internal error occurred');
    }
    // The OpenAI-compatible routes answer in OpenAI's error shape, everything else in ours.
    const render = c.req.path.startsWith(OPENAI_PREFIX) ? renderOpenAiError : renderError;
    const { status, body, headers } = render(apiError, requestId);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    c.header('X-Request-Id', requestId);
    return c.json(body, status as 400);
  });

  return app;
}
