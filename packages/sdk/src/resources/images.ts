import type { GoodTake, RequestOptions } from '../client.ts';
import { ApiPromise } from '../core/api-promise.ts';
import { ConnectionError, GoodTakeError } from '../core/errors.ts';
import { decodeDataUri } from '../internal/data-uri.ts';
import { randomUuid } from '../internal/uuid.ts';
import type { ImageModel, OptimizePromptMode, Seedream40Size, Seedream45Size } from '../models.ts';
import type { QueuedGeneration } from './generations.ts';

/** Fields shared by both models. Names are the API's, as on the wire. */
interface GenerateParamsBase {
  /** Text description of the image to generate or edit (1-4000 characters). */
  prompt: string;
  /** Number of images, 1-4. Defaults to 1; each image is charged separately. */
  number_of_images?: number | undefined;
  /** Prompt optimisation. Defaults to `standard`. */
  optimize_prompt_mode?: OptimizePromptMode | undefined;
  /** Also return each image as a `data:` URI in `base64`. Defaults to false. */
  include_base64_encoding?: boolean | undefined;
  /**
   * Source images for blend/edit mode: `http(s)` URLs or `data:image/{png,jpeg,webp};base64,`
   * URIs (at most 10, each at most 10 MB). Non-empty means blend mode.
   */
  image_urls?: readonly string[] | undefined;
  /**
   * An https URL that receives the generation's events as signed webhooks (goodtake servers);
   * verify them with `verifyWebhook`.
   */
  webhook_url?: string | undefined;
  /** Which events the webhook receives; defaults to `['completed']` (which covers every end). */
  webhook_events?: ReadonlyArray<'started' | 'image' | 'completed'> | undefined;
}

/** A Seedream 4.5 request. `model` may be omitted: 4.5 is the default. */
export interface Seedream45GenerateParams extends GenerateParamsBase {
  model?: 'seedream-4-5-251128' | undefined;
  /** Defaults to `2K`. */
  size?: Seedream45Size | undefined;
}

/** A Seedream 4.0 (legacy) request. */
export interface Seedream40GenerateParams extends GenerateParamsBase {
  model: 'seedream-4-0-250828';
  /** Defaults to `2K`. */
  size?: Seedream40Size | undefined;
}

/**
 * The body of `POST /api/v1/bytedance/generate-image`, discriminated by `model` so that only
 * that model's sizes type-check.
 */
export type ImageGenerateParams = Seedream45GenerateParams | Seedream40GenerateParams;

/** Options of `images.generate`. */
export interface ImageGenerateOptions extends RequestOptions {
  /**
   * Makes retries safe: the server replays the first outcome for a repeated key and body
   * instead of generating (and charging) again. The SDK sends a fresh UUID per call and reuses
   * it across that call's retries; pass your own to make a retry of a whole call safe too.
   */
  idempotencyKey?: string | undefined;
  /**
   * Queue the generation and answer at once with its id (`Prefer: respond-async`, goodtake
   * servers): follow it with `generations.retrieve`, `events` or `wait`. The credits are
   * reserved when it is queued.
   */
  async?: boolean | undefined;
}

/** Anything with an image URL and maybe its bytes inline: generated or listed images. */
export interface ImageSource {
  readonly url: string;
  readonly base64?: string | undefined;
}

/** One generated image. */
export interface GeneratedImage extends ImageSource {
  /** Permanent URL of the image (a JPEG on goodtake). */
  readonly url: string;
  /** `data:image/jpeg;base64,...` of the same bytes; only with `include_base64_encoding`. */
  readonly base64?: string;
  /** Real pixel width of the file. */
  readonly width: number;
  /** Real pixel height of the file. */
  readonly height: number;
  /**
   * The image file's bytes: decoded from `base64` when present, else downloaded from `url`.
   * Not part of the JSON (it is not enumerable).
   */
  bytes(options?: RequestOptions): Promise<Uint8Array>;
}

/** The `data` of a successful generation. */
export interface ImagesResponse {
  readonly images: GeneratedImage[];
  readonly generation_time_ms: number;
  readonly model: ImageModel;
  /** The prompt as sent. */
  readonly prompt: string;
  /** Generation id, as listed by `generations.list` (goodtake servers). */
  readonly id?: string;
  /** Credits charged: the price of the delivered images (goodtake servers). */
  readonly credits_used?: number;
}

/** `client.images`: image generation. */
export class Images {
  readonly #client: GoodTake;

  constructor(client: GoodTake) {
    this.#client = client;
  }

  /**
   * Generates images from a prompt, or edits/blends the images in `image_urls`. Safe to
   * retry: every attempt of one call carries the same `Idempotency-Key`.
   *
   * @example
   * ```ts
   * const result = await client.images.generate({
   *   prompt: 'A cyberpunk cityscape with neon lights',
   *   size: '2560x1440',
   *   number_of_images: 2,
   * });
   * for (const image of result.images) console.log(image.url, image.width, image.height);
   *
   * // The legacy model has its own sizes; the types know which:
   * await client.images.generate({ prompt: 'A forest', model: 'seedream-4-0-250828', size: '1024x1024' });
   * ```
   */
  generate(
    params: ImageGenerateParams,
    options: ImageGenerateOptions & { async: true },
  ): ApiPromise<QueuedGeneration>;
  generate(
    params: ImageGenerateParams,
    options?: ImageGenerateOptions & { async?: false | undefined },
  ): ApiPromise<ImagesResponse>;
  generate(
    params: ImageGenerateParams,
    options: ImageGenerateOptions = {},
  ): ApiPromise<ImagesResponse> | ApiPromise<QueuedGeneration> {
    const { idempotencyKey = randomUuid(), async: queued, ...requestOptions } = options;
    if (queued) {
      return this.#client.request<QueuedGeneration>(
        {
          method: 'POST',
          path: '/api/v1/bytedance/generate-image',
          body: params,
          headers: { 'Idempotency-Key': idempotencyKey, Prefer: 'respond-async' },
        },
        requestOptions,
      );
    }
    const promise = this.#client.request<ImagesResponse>(
      {
        method: 'POST',
        path: '/api/v1/bytedance/generate-image',
        body: params,
        headers: { 'Idempotency-Key': idempotencyKey },
      },
      requestOptions,
    );
    return withImageBytes(promise, this.#client);
  }
}

function withImageBytes(
  promise: ApiPromise<ImagesResponse>,
  client: GoodTake,
): ApiPromise<ImagesResponse> {
  return new ApiPromise(
    promise.withResponse().then((r) => {
      for (const image of r.data.images) attachBytes(image, client);
      return r;
    }),
  );
}

/** Gives a plain image object from a response a non-enumerable `bytes()` method. */
export function attachBytes<T extends ImageSource>(image: T, client: GoodTake): T {
  Object.defineProperty(image, 'bytes', {
    value: (options?: RequestOptions) => toBytes(image, client, options),
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return image;
}

/**
 * The bytes of an image: decoded from its `base64` data URI when present, otherwise
 * downloaded from its URL (with the client's fetch, timeout and retries when one is given).
 *
 * @example
 * ```ts
 * const bytes = await toBytes(result.images[0]!, client);
 * ```
 */
export async function toBytes(
  image: ImageSource,
  client?: GoodTake,
  options: RequestOptions = {},
): Promise<Uint8Array> {
  if (image.base64) return decodeDataUri(image.base64).bytes;
  if (client) return (await client.download(image.url, options)).bytes;
  let response: Response;
  try {
    response = await fetch(image.url, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    throw new ConnectionError(`GET ${image.url} failed`, { code: 'connection_error', cause: err });
  }
  if (!response.ok) throw GoodTakeError.from(response, await response.json().catch(() => null));
  return new Uint8Array(await response.arrayBuffer());
}
