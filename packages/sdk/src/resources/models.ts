import type { GoodTake, RequestOptions } from '../client.ts';
import type { ApiPromise } from '../core/api-promise.ts';
import type { OptimizePromptMode } from '../models.ts';

/** One model the server serves, from `GET /api/v1/models`. */
export interface ModelInfo {
  /** The id to send as `model` (a Seedream id, or one the operator's catalog adds). */
  readonly id: string;
  readonly name: string;
  readonly owned_by: string;
  /** Credits charged per delivered image. */
  readonly price_per_image: number;
  /** Every `size` value the model accepts. */
  readonly sizes: readonly string[];
  /** The size used when a request names none. */
  readonly default_size: string;
  readonly capabilities: {
    /** Whether it takes source images (`image_urls`, blend mode). */
    readonly blend: boolean;
    readonly max_source_images: number;
    readonly prompt_modes: readonly OptimizePromptMode[];
  };
  /** Whether a request without `model` uses this one. */
  readonly default: boolean;
  /** Whether some upstream can serve it right now. */
  readonly available: boolean;
}

/** The body's `data` of `GET /api/v1/models`. */
export interface ModelList {
  readonly models: readonly ModelInfo[];
}

/** `client.models`: which models the server serves and what they cost. */
export class Models {
  readonly #client: GoodTake;

  constructor(client: GoodTake) {
    this.#client = client;
  }

  /**
   * The models this server serves: price per image, sizes, capabilities and availability.
   *
   * @example
   * ```ts
   * const { models } = await client.models.list();
   * for (const m of models) console.log(`${m.id}: ${m.price_per_image} credits`);
   * ```
   */
  list(options?: RequestOptions): ApiPromise<ModelList> {
    return this.#client.request<ModelList>({ method: 'GET', path: '/api/v1/models' }, options);
  }
}
