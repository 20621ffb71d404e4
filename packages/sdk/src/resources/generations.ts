import type { GoodTake, RequestOptions } from '../client.ts';
import { ApiPromise, type ApiResponse } from '../core/api-promise.ts';
import type { ImageModel } from '../models.ts';

/** One generation request of the account, as the usage log keeps it. */
export interface Generation {
  readonly id: string;
  readonly model: ImageModel;
  /** The size as requested (`2K`, `1024x1024`, ...). */
  readonly size: string;
  readonly number_of_images: number;
  readonly images_delivered: number;
  readonly credits_reserved: number;
  readonly credits_charged: number;
  readonly status: 'succeeded' | 'partial' | 'failed' | 'pending';
  /** The error code of a failed generation, else null. */
  readonly error_code: string | null;
  readonly duration_ms: number | null;
  /** ISO 8601. */
  readonly created_at: string;
  /** ISO 8601, or null while pending. */
  readonly finished_at: string | null;
  readonly images: ReadonlyArray<{
    readonly url: string;
    readonly width: number;
    readonly height: number;
    /** The file embeds a signed C2PA manifest (Content Credentials). */
    readonly content_credentials?: boolean;
    /** The file's XMP carries the IPTC digital source type. */
    readonly xmp_metadata?: boolean;
    /** The IPTC digital source type the image declares (`...trainedAlgorithmicMedia`), or null. */
    readonly digital_source_type?: string | null;
  }>;
  /**
   * Every try of an upstream for its images, in order (goodtake: fallbacks between providers
   * show here). Absent on servers that do not record them.
   */
  readonly attempts?: ReadonlyArray<{
    /** Which image of the request (0-based). */
    readonly index: number;
    readonly provider: string;
    readonly upstream_model: string;
    /** `ok`, or why it made no image (`unavailable`, `circuit_open`, `content_policy`, ...). */
    readonly outcome: string;
    readonly latency_ms: number;
    readonly upstream_request_id: string | null;
    readonly estimated_cost_usd: number;
  }>;
}

/** One page of generations, newest first. */
export interface GenerationsPage {
  readonly generations: Generation[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly next_cursor: string | null;
}

/** Parameters of `generations.list`. */
export interface GenerationListParams {
  /** Page size, 1-100. Defaults to 20. */
  limit?: number | undefined;
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined;
  /** Only generations created at or after this time. */
  since?: Date | string | undefined;
}

/**
 * The first page of a listing: await it for that page, or iterate it with `for await` for
 * every generation on every page (fetched as needed).
 */
export class GenerationsPagePromise
  extends ApiPromise<GenerationsPage>
  implements AsyncIterable<Generation>
{
  readonly #fetchPage: (cursor: string) => ApiPromise<GenerationsPage>;

  constructor(
    response: Promise<ApiResponse<GenerationsPage>>,
    fetchPage: (cursor: string) => ApiPromise<GenerationsPage>,
  ) {
    super(response);
    this.#fetchPage = fetchPage;
  }

  /**
   * Every page, this one first, following `next_cursor`.
   *
   * @example
   * ```ts
   * for await (const page of client.generations.list({ limit: 100 }).pages()) {
   *   console.log(page.generations.length);
   * }
   * ```
   */
  async *pages(): AsyncGenerator<GenerationsPage, void, undefined> {
    let page: GenerationsPage = await this.withResponse().then((r) => r.data);
    yield page;
    while (page.next_cursor !== null) {
      page = await this.#fetchPage(page.next_cursor);
      yield page;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Generation, void, undefined> {
    for await (const page of this.pages()) yield* page.generations;
  }
}

/** `client.generations`: the account's usage log. */
export class Generations {
  readonly #client: GoodTake;

  constructor(client: GoodTake) {
    this.#client = client;
  }

  /**
   * The account's generations, newest first, a page at a time.
   *
   * @example
   * ```ts
   * const page = await client.generations.list({ limit: 10 });
   *
   * // Or every generation since yesterday, across pages:
   * const since = new Date(Date.now() - 86_400_000);
   * for await (const generation of client.generations.list({ since })) {
   *   console.log(generation.id, generation.credits_charged);
   * }
   * ```
   */
  list(params: GenerationListParams = {}, options?: RequestOptions): GenerationsPagePromise {
    const since = params.since instanceof Date ? params.since.toISOString() : params.since;
    const fetchPage = (cursor: string | undefined) =>
      this.#client.request<GenerationsPage>(
        {
          method: 'GET',
          path: '/api/v1/generations',
          query: { limit: params.limit, cursor, since },
        },
        options,
      );
    return new GenerationsPagePromise(fetchPage(params.cursor).withResponse(), fetchPage);
  }
}
