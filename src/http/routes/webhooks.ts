import type { Hono } from 'hono';
import type { KeyService } from '../../keys/api-keys.ts';
import type { LimitDefaults } from '../../ratelimit/key-limits.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import type { WebhookAdmin } from '../../webhooks/webhook-admin.ts';
import type { Webhooks } from '../../webhooks/webhooks.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { noRequestBody } from '../middleware/no-body.ts';
import { rateLimit } from '../middleware/rate-limit.ts';

export interface WebhookRouteDeps {
  readonly webhookAdmin: WebhookAdmin;
  readonly webhooks: Pick<Webhooks, 'wake'>;
  readonly keys: KeyService;
  readonly requestLimiter: RequestLimiter;
  readonly limitDefaults: LimitDefaults;
}

export const WEBHOOK_PATHS = {
  secret: '/api/v1/webhooks/secret',
  rotate: '/api/v1/webhooks/secret/rotate',
  deliveries: '/api/v1/webhooks/deliveries',
  resend: '/api/v1/webhooks/deliveries/:id/resend',
} as const;

const DELIVERY_ID = /^dlv_[0-9a-z]{12}[0-9A-Za-z]{9}$/;
const GENERATION_ID = /^gen_[0-9a-z]{12}[0-9A-Za-z]{9}$/;

/**
 * The calling account's webhooks: its signing secret (read, rotate), its deliveries with every
 * attempt, and sending one again (same `webhook-id`).
 */
export function registerWebhooks(app: Hono<AppEnv>, deps: WebhookRouteDeps): void {
  const limited = [
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
  ] as const;
  const { webhookAdmin: admin } = deps;

  app.get(WEBHOOK_PATHS.secret, ...limited, async (c) =>
    c.json({ status: 'success', data: await admin.secret(c.get('apiKey').accountId) }),
  );

  app.post(WEBHOOK_PATHS.rotate, ...limited, noRequestBody(), async (c) =>
    c.json({ status: 'success', data: await admin.rotate(c.get('apiKey').accountId) }),
  );

  app.get(WEBHOOK_PATHS.deliveries, ...limited, async (c) => {
    const generation = c.req.query('generation_id');
    if (generation !== undefined && !GENERATION_ID.test(generation)) {
      throw new ApiError('invalid_parameters', 'generation_id must be a generation id (gen_...)', {
        field: 'generation_id',
      });
    }
    const deliveries = await admin.deliveries(c.get('apiKey').accountId, generation);
    return c.json({ status: 'success', data: { deliveries } });
  });

  app.post(WEBHOOK_PATHS.resend, ...limited, noRequestBody(), async (c) => {
    const id = c.req.param('id');
    const delivery = DELIVERY_ID.test(id)
      ? await admin.resend(c.get('apiKey').accountId, id)
      : undefined;
    if (!delivery) throw new ApiError('not_found', 'No such delivery');
    deps.webhooks.wake();
    return c.json({ status: 'success', data: delivery });
  });
}
