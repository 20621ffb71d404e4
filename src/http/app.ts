import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
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
import { registerHealth } from './routes/health.ts';
import { registerImages } from './routes/images.ts';
import { type ModelRouteDeps, registerModels } from './routes/models.ts';
import { renderOpenAiError } from './routes/openai/errors.ts';
import { OPENAI_PREFIX, type OpenAiRouteDeps, registerOpenAi } from './routes/openai/index.ts';

export interface AppDeps
  extends GenerateImageRouteDeps,
    AccountRouteDeps,
    OpenAiRouteDeps,
    ModelRouteDeps {
  readonly log: Logger;
  readonly checkDatabase: () => Promise<void>;
  readonly shuttingDown: () => boolean;
  readonly providerId: string;
  readonly openApi: Record<string, unknown>;
  readonly metrics: Metrics;
  /** Bounds of every request body: size and time (see src/http/body/request-body.ts). */
  readonly bodies: BodySettings;
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
  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, {
      'Content-Type': deps.metrics.registry.contentType,
    }),
  );
  registerGenerateImage(app, deps);
  registerAccount(app, deps);
  registerModels(app, deps);
  registerImages(app, deps);
  registerOpenAi(app, deps);

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
