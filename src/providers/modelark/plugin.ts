import { z } from 'zod';
import type { ModelId } from '../../contract/models.ts';
import { boolFrom, intFrom, optionalString } from '../../settings/env-fields.ts';
import { type ProviderPlugin, sizeOverLimits } from '../plugin.ts';
import { type ArkFlavor, flavorFromBaseUrl, upstreamModelId } from './models.ts';
import { MAX_ASPECT, MAX_PIXELS } from './upstream-size.ts';

/** The ARK_* settings (README configuration table). */
export interface ModelArkSettings {
  readonly apiKey: string;
  readonly baseUrl: string | undefined;
  readonly flavor: ArkFlavor | undefined;
  /** ARK_MODEL_*: upstream ids (e.g. `ep-…` endpoints) instead of the flavor's model ids. */
  readonly modelIds: Partial<Record<ModelId, string>>;
  readonly watermark: boolean;
  readonly responseFormat: 'url' | 'b64_json';
  readonly stream: boolean;
  readonly sendSourceUrls: boolean;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly imagesPerMinute: number;
  readonly maxQueueMs: number;
  readonly downloadConcurrency: number;
}

const settingsSchema = z
  .object({
    ARK_API_KEY: optionalString,
    ARK_BASE_URL: optionalString.superRefine((v, ctx) => {
      if (v !== undefined && !URL.canParse(v)) {
        ctx.addIssue({ code: 'custom', message: 'ARK_BASE_URL must be an absolute URL' });
      }
    }),
    ARK_FLAVOR: z.enum(['byteplus', 'volcengine']).optional(),
    ARK_MODEL_SEEDREAM_4_5: optionalString,
    ARK_MODEL_SEEDREAM_4_0: optionalString,
    ARK_WATERMARK: boolFrom('ARK_WATERMARK', false),
    ARK_RESPONSE_FORMAT: z.enum(['url', 'b64_json']).default('url'),
    ARK_STREAM: boolFrom('ARK_STREAM', false),
    ARK_SEND_SOURCE_URLS: boolFrom('ARK_SEND_SOURCE_URLS', false),
    ARK_REQUEST_TIMEOUT_MS: intFrom('ARK_REQUEST_TIMEOUT_MS', 180_000, 1000),
    ARK_MAX_RETRIES: intFrom('ARK_MAX_RETRIES', 3, 0),
    ARK_IMAGES_PER_MINUTE: intFrom('ARK_IMAGES_PER_MINUTE', 500, 0),
    ARK_MAX_QUEUE_MS: intFrom('ARK_MAX_QUEUE_MS', 10_000, 0),
    ARK_DOWNLOAD_CONCURRENCY: intFrom('ARK_DOWNLOAD_CONCURRENCY', 32, 1),
  })
  .transform((e): ModelArkSettings | undefined =>
    e.ARK_API_KEY === undefined
      ? undefined
      : {
          apiKey: e.ARK_API_KEY,
          baseUrl: e.ARK_BASE_URL,
          flavor: e.ARK_FLAVOR,
          modelIds: {
            ...(e.ARK_MODEL_SEEDREAM_4_5
              ? { 'seedream-4-5-251128': e.ARK_MODEL_SEEDREAM_4_5 }
              : {}),
            ...(e.ARK_MODEL_SEEDREAM_4_0
              ? { 'seedream-4-0-250828': e.ARK_MODEL_SEEDREAM_4_0 }
              : {}),
          },
          watermark: e.ARK_WATERMARK,
          responseFormat: e.ARK_RESPONSE_FORMAT,
          stream: e.ARK_STREAM,
          sendSourceUrls: e.ARK_SEND_SOURCE_URLS,
          requestTimeoutMs: e.ARK_REQUEST_TIMEOUT_MS,
          maxRetries: e.ARK_MAX_RETRIES,
          imagesPerMinute: e.ARK_IMAGES_PER_MINUTE,
          maxQueueMs: e.ARK_MAX_QUEUE_MS,
          downloadConcurrency: e.ARK_DOWNLOAD_CONCURRENCY,
        },
  );

/** BytePlus ModelArk / Volcengine Ark (docs/providers.md). */
export const modelArkPlugin: ProviderPlugin<ModelArkSettings> = {
  id: 'modelark',
  name: 'BytePlus ModelArk',
  settingsSchema,
  credentialVariable: 'ARK_API_KEY',
  defaultUpstreamModel: (profile, s) =>
    s.modelIds[profile] ??
    upstreamModelId(profile, s.flavor ?? flavorFromBaseUrl(s.baseUrl ?? 'https://bytepluses.com')),
  // BytePlus list prices per generated image (research §2; docs/providers.md).
  costPerImageUsd: { 'seedream-4-5-251128': 0.04, 'seedream-4-0-250828': 0.03 },
  sizeProblem: (_profile, size) =>
    sizeOverLimits(
      size,
      { maxSide: MAX_PIXELS, maxPixels: MAX_PIXELS, maxAspect: MAX_ASPECT },
      'ModelArk',
    ),
  async create(s, context) {
    const { createModelArkProvider } = await import('./provider.ts');
    const guard = context.sharedGuard({
      limitFor: () => s.imagesPerMinute,
      maxQueueMs: s.maxQueueMs,
    });
    return createModelArkProvider({
      apiKey: s.apiKey,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      ...(s.flavor ? { flavor: s.flavor } : {}),
      modelIds: s.modelIds,
      watermark: s.watermark,
      responseFormat: s.responseFormat,
      stream: s.stream,
      sendSourceUrls: s.sendSourceUrls,
      requestTimeoutMs: s.requestTimeoutMs,
      maxRetries: s.maxRetries,
      imagesPerMinute: s.imagesPerMinute,
      maxQueueMs: s.maxQueueMs,
      downloadConcurrency: s.downloadConcurrency,
      ...(guard ? { guard } : {}),
      log: context.log,
    });
  },
};
