import type { Hono, MiddlewareHandler } from 'hono';
import { MAX_IMAGE_URLS, MAX_SOURCE_IMAGE_BYTES } from '../../../contract/generate-image.ts';
import type { KeyService } from '../../../keys/api-keys.ts';
import type { RequestLimiter } from '../../../ratelimit/limiter.ts';
import type { AppEnv } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import { rateLimit } from '../../middleware/rate-limit.ts';
import { type AnswerDeps, answerImageCall, refusal } from './answer.ts';
import { openAiBodySpec } from './body-spec.ts';
import type { ModelDirectory } from './model-directory.ts';
import { readEditForm } from './multipart.ts';
import { parseEditFormFields, parseEditJsonBody, parseGenerationBody } from './request.ts';

/** Requests under this prefix are OpenAI's API: errors are rendered in OpenAI's shape. */
export const OPENAI_PREFIX = '/v1/';

export const OPENAI_PATHS = {
  generations: '/v1/images/generations',
  edits: '/v1/images/edits',
  models: '/v1/models',
  model: '/v1/models/:model',
} as const;

export interface OpenAiRouteDeps extends AnswerDeps {
  readonly keys: KeyService;
  readonly requestLimiter: RequestLimiter;
  readonly bodyLimitBytes: number;
  /** Models and sizes, read through one interface (see model-directory.ts). */
  readonly models: ModelDirectory;
}

/**
 * The rate-limit headers once more under OpenAI's names (`x-ratelimit-*-requests`), which
 * OpenAI-speaking gateways such as LiteLLM read for routing.
 */
const openAiRateLimitHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const h = c.res.headers;
  const limit = h.get('x-ratelimit-limit');
  if (limit === null) return;
  h.set('x-ratelimit-limit-requests', limit);
  h.set('x-ratelimit-remaining-requests', h.get('x-ratelimit-remaining') ?? '0');
  h.set('x-ratelimit-reset-requests', `${h.get('x-ratelimit-reset') ?? '0'}s`);
};

/** The OpenAI Images API (generations, edits) and model list, on the native use case. */
export function registerOpenAi(app: Hono<AppEnv>, deps: OpenAiRouteDeps): void {
  const guarded = [
    openAiRateLimitHeaders,
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
  ] as const;
  const MULTIPART = /^multipart\/form-data\s*(;|$)/i;
  const JSON_TYPE = /^application\/json\s*(;|$)/i;

  app.post(OPENAI_PATHS.generations, ...guarded, async (c) => {
    const body = await c.var.body.json(openAiBodySpec(deps.bodyLimitBytes, false));
    const parsed = parseGenerationBody(body, deps.models);
    if (!parsed.ok) throw refusal(parsed);
    return answerImageCall(c, deps, 'image_generation', parsed.call);
  });

  app.post(OPENAI_PATHS.edits, ...guarded, async (c) => {
    const type = c.req.header('content-type') ?? '';
    let parsed: ReturnType<typeof parseEditJsonBody>;
    if (MULTIPART.test(type)) {
      const form = await readEditForm(type, c.var.body, {
        maxImages: MAX_IMAGE_URLS,
        maxImageBytes: MAX_SOURCE_IMAGE_BYTES,
      });
      parsed = parseEditFormFields(form, deps.models);
    } else if (JSON_TYPE.test(type)) {
      const body = await c.var.body.json(openAiBodySpec(deps.bodyLimitBytes, true));
      parsed = parseEditJsonBody(body, deps.models);
    } else {
      throw new ApiError(
        'unsupported_media_type',
        'Send the edit as multipart/form-data (image files) or as JSON (images: [{"image_url": ...}])',
      );
    }
    if (!parsed.ok) throw refusal(parsed);
    return answerImageCall(c, deps, 'image_edit', parsed.call);
  });

  const modelObject = (m: ReturnType<ModelDirectory['list']>[number]) => ({
    id: m.id,
    object: 'model',
    created: m.created,
    owned_by: m.ownedBy,
  });
  app.get(OPENAI_PATHS.models, ...guarded, (c) =>
    c.json({ object: 'list', data: deps.models.list().map(modelObject) }),
  );
  app.get(OPENAI_PATHS.model, ...guarded, (c) => {
    const id = c.req.param('model');
    const model = deps.models.find(id);
    if (!model) {
      throw new ApiError('not_found', `The model '${id}' does not exist`, {
        field: 'model',
        reason: 'model_not_found',
      });
    }
    return c.json(modelObject(model));
  });

  for (const path of [OPENAI_PATHS.generations, OPENAI_PATHS.edits]) {
    app.on(['GET', 'PUT', 'PATCH', 'DELETE'], path, (c) => {
      c.header('Allow', 'POST');
      throw new ApiError('method_not_allowed', `${c.req.method} is not allowed here; use POST`);
    });
  }
}
