/**
 * The GoodTake Seedream image API client. Browser-safe: Node-only helpers live in
 * `@goodtake/sdk/node`.
 *
 * @example
 * ```ts
 * import { GoodTake } from '@goodtake/sdk';
 *
 * const client = new GoodTake({ apiKey: 'gt_...', baseURL: 'http://localhost:8080' });
 * const { images } = await client.images.generate({ prompt: 'A lighthouse at dusk' });
 * ```
 */
export {
  type ApiRequest,
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  GoodTake,
  GoodTake as default,
  type RequestOptions,
} from './client.ts';
export { ApiPromise, type ApiResponse } from './core/api-promise.ts';
export {
  AbortError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ContentPolicyError,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  GoodTakeError,
  type GoodTakeErrorInit,
  InsufficientCreditsError,
  InternalServerError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  UpstreamError,
} from './core/errors.ts';
export { RETRY_POLICY } from './core/retry.ts';
export type { RateLimitInfo } from './internal/headers.ts';
export {
  type AutoSize,
  DEFAULT_MODEL,
  type ImageModel,
  type ImageSize,
  type ImageSizes,
  isImageModel,
  isImageSize,
  MODELS,
  type OptimizePromptMode,
  SEEDREAM_4_0,
  SEEDREAM_4_5,
  type Seedream40Size,
  type Seedream45Size,
  SIZES,
} from './models.ts';
export type { Account, AccountInfo } from './resources/account.ts';
export {
  type Generation,
  type GenerationEvent,
  GenerationFailedError,
  type GenerationListParams,
  type GenerationState,
  type Generations,
  type GenerationsPage,
  type GenerationsPagePromise,
  type QueuedGeneration,
} from './resources/generations.ts';
export {
  type GeneratedImage,
  type ImageGenerateOptions,
  type ImageGenerateParams,
  type ImageSource,
  type Images,
  type ImagesResponse,
  type Seedream40GenerateParams,
  type Seedream45GenerateParams,
  toBytes,
} from './resources/images.ts';
export type { ModelInfo, ModelList, Models } from './resources/models.ts';
export { VERSION } from './version.ts';
export {
  verifyWebhook,
  type WebhookEvent,
  type WebhookHeaders,
  WebhookVerificationError,
} from './webhooks.ts';
