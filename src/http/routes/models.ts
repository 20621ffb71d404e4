import type { Hono } from 'hono';
import type { Catalog } from '../../catalog/types.ts';
import type { ModelEntry, ModelList } from '../../contract/model-list.ts';
import { validSizes } from '../../contract/sizes.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { LimitDefaults } from '../../ratelimit/key-limits.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import type { ModelRouter } from '../../routing/router.ts';
import type { AppEnv } from '../context.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { rateLimit } from '../middleware/rate-limit.ts';

export const MODELS_PATH = '/api/v1/models';

export interface ModelRouteDeps {
  readonly keys: KeyService;
  readonly requestLimiter: RequestLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly catalog: Catalog;
  readonly router: Pick<ModelRouter, 'available'>;
}

/** The models a caller can use: price, sizes, capabilities and whether they serve now. */
export function registerModels(app: Hono<AppEnv>, deps: ModelRouteDeps): void {
  app.get(
    MODELS_PATH,
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
    async (c) => {
      const models: ModelEntry[] = await Promise.all(
        deps.catalog.models.map(async (m) => ({
          id: m.id,
          name: m.name,
          owned_by: m.ownedBy,
          price_per_image: m.pricePerImage,
          sizes: [...validSizes(m)],
          default_size: m.defaultSize,
          capabilities: {
            blend: m.capabilities.maxSourceImages > 0,
            max_source_images: m.capabilities.maxSourceImages,
            prompt_modes: [...m.capabilities.promptModes],
          },
          default: m.id === deps.catalog.defaultModel,
          available: await deps.router.available(m),
        })),
      );
      const body: ModelList = { status: 'success', data: { models } };
      return c.json(body);
    },
  );
}
