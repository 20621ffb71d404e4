import type { GoodTake, RequestOptions } from '../client.ts';
import { ApiPromise, type ApiResponse } from '../core/api-promise.ts';
import { AbortError, ConnectionError, GoodTakeError } from '../core/errors.ts';
import { sleep } from '../internal/sleep.ts';
import type { ImageModel } from '../models.ts';
import { attachBytes, type ImagesResponse } from './images.ts';

/** The answer to an asynchronous submit: the generation's id and where to follow it. */
export interface QueuedGeneration {
  readonly id: string;
  readonly status_url: string;
  readonly events_url: string;
  readonly cancel_url: string;
}

interface StateImage {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly base64?: string;
}

/** The state of a generation (`GET /api/v1/generations/{id}`), by `status`. */
export type GenerationState =
  | {
      readonly status: 'queued';
      readonly data: QueuedGeneration & { readonly created_at: string; readonly position: number };
    }
  | {
      readonly status: 'running';
      readonly data: QueuedGeneration & {
        readonly created_at: string;
        readonly started_at: string | null;
        readonly number_of_images: number;
        readonly images: StateImage[];
      };
    }
  | { readonly status: 'succeeded'; readonly data: ImagesResponse }
  | {
      readonly status: 'failed';
      readonly data: QueuedGeneration & {
        readonly created_at: string;
        readonly finished_at: string | null;
      };
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly request_id: string;
        readonly retry_after?: number;
      };
    }
  | {
      readonly status: 'canceled';
      readonly data: QueuedGeneration & {
        readonly created_at: string;
        readonly finished_at: string | null;
        readonly images: StateImage[];
        readonly credits_used: number;
      };
    };

/** One event of a generation's stream. `id` is its number within the generation. */
export interface GenerationEvent {
  readonly id: number;
  /** `queued`, `started`, `image`, `completed`, `failed` or `canceled`. */
  readonly type: string;
  readonly data: { readonly type: string; readonly generation_id: string } & Record<
    string,
    unknown
  >;
}

/** A generation that ended without images: failed or cancelled. */
export class GenerationFailedError extends GoodTakeError {
  override name = 'GenerationFailedError';
}

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
    /** Only when the operator shows upstream costs (GOODTAKE_SHOW_UPSTREAM_COSTS=true). */
    readonly estimated_cost_usd?: number;
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

const TERMINAL = new Set(['completed', 'failed', 'canceled']);

/** Parses SSE frames out of a byte stream, event by event. */
async function* sseFrames(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ id?: string; event?: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const frame: { id?: string; event?: string; data: string } = { data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') frame.id = value;
          else if (field === 'event') frame.event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length > 0) {
          frame.data = data.join('\n');
          yield frame;
        }
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

/** `client.generations`: the account's usage log, and following generations by id. */
export class Generations {
  readonly #client: GoodTake;

  constructor(client: GoodTake) {
    this.#client = client;
  }

  /**
   * The state of a generation: queued (with its position), running (images so far),
   * succeeded (the images), failed (the error) or canceled.
   *
   * @example
   * ```ts
   * const state = await client.generations.retrieve('gen_...');
   * if (state.status === 'succeeded') console.log(state.data.images);
   * ```
   */
  retrieve(id: string, options?: RequestOptions): ApiPromise<GenerationState> {
    return new ApiPromise(
      this.#client
        .request<GenerationState['data']>(
          { method: 'GET', path: `/api/v1/generations/${encodeURIComponent(id)}` },
          options,
        )
        .withResponse()
        .then((r) => ({ ...r, data: this.#state(r.body) })),
    );
  }

  /**
   * Cancels a generation: a queued one is charged nothing, a running one only for the images
   * it delivered. A finished one rejects with a ConflictError (`generation_finished`).
   */
  cancel(id: string, options?: RequestOptions): ApiPromise<GenerationState> {
    return new ApiPromise(
      this.#client
        .request<GenerationState['data']>(
          { method: 'POST', path: `/api/v1/generations/${encodeURIComponent(id)}/cancel` },
          { maxRetries: 0, ...options },
        )
        .withResponse()
        .then((r) => ({ ...r, data: this.#state(r.body) })),
    );
  }

  #state(body: unknown): GenerationState {
    const state = body as GenerationState;
    if (state.status === 'succeeded') {
      for (const image of state.data.images) attachBytes(image, this.#client);
    }
    return state;
  }

  /**
   * The events of a generation as they happen, from `afterId` on (0: all of them): queued,
   * started, image, then completed, failed or canceled, where it ends. A dropped connection
   * is resumed with `Last-Event-ID`, so no event is lost or repeated.
   *
   * @example
   * ```ts
   * for await (const event of client.generations.events(id)) {
   *   if (event.type === 'image') console.log(event.data.image);
   * }
   * ```
   */
  async *events(
    id: string,
    options: {
      afterId?: number | undefined;
      signal?: AbortSignal | undefined;
      maxReconnects?: number | undefined;
    } = {},
  ): AsyncGenerator<GenerationEvent, void, undefined> {
    let last = options.afterId ?? 0;
    let reconnects = 0;
    const path = `/api/v1/generations/${encodeURIComponent(id)}/events`;
    for (;;) {
      const headers: Record<string, string> = last > 0 ? { 'Last-Event-ID': String(last) } : {};
      try {
        const response = await this.#client.openStream(path, headers, options.signal);
        if (!response.body) return;
        for await (const frame of sseFrames(response.body)) {
          const event: GenerationEvent = {
            id: Number(frame.id ?? last + 1),
            type: frame.event ?? 'message',
            data: JSON.parse(frame.data) as GenerationEvent['data'],
          };
          last = event.id;
          reconnects = 0;
          yield event;
          if (TERMINAL.has(event.type)) return;
        }
        // The server ends the stream after the last event: an end before it is a drop.
      } catch (err) {
        if (options.signal?.aborted)
          throw new AbortError('aborted', { code: 'aborted', cause: err });
        if (!(err instanceof ConnectionError) && !(err instanceof TypeError)) throw err;
      }
      if (++reconnects > (options.maxReconnects ?? 5)) {
        throw new ConnectionError(`the event stream of ${id} kept dropping`, {
          code: 'connection_error',
        });
      }
      await sleep(Math.min(1000 * reconnects, 5000), options.signal);
    }
  }

  /**
   * Waits for a generation to end, following its events (or polling every `pollInterval` ms
   * when `poll` is set), and answers its images as `images.generate` does. A failed generation
   * rejects with its error, a cancelled one with GenerationFailedError (`canceled`).
   *
   * @example
   * ```ts
   * const queued = await client.images.generate({ prompt: 'A lighthouse' }, { async: true });
   * const result = await client.generations.wait(queued.id);
   * ```
   */
  async wait(
    id: string,
    options: {
      signal?: AbortSignal | undefined;
      poll?: boolean | undefined;
      pollInterval?: number | undefined;
      timeout?: number | undefined;
    } = {},
  ): Promise<ImagesResponse> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    if (!options.poll) {
      for await (const event of this.events(id, options.signal ? { signal: options.signal } : {})) {
        if (TERMINAL.has(event.type)) break;
        if (deadline !== undefined && Date.now() > deadline) break;
      }
    }
    for (;;) {
      const state = await this.retrieve(id, options.signal ? { signal: options.signal } : {});
      if (state.status === 'succeeded') return state.data;
      if (state.status === 'failed') {
        throw new GenerationFailedError(state.error.message, {
          code: state.error.code,
          requestId: state.error.request_id,
          retryAfter: state.error.retry_after,
        });
      }
      if (state.status === 'canceled') {
        throw new GenerationFailedError(`generation ${id} was canceled`, { code: 'canceled' });
      }
      if (deadline !== undefined && Date.now() > deadline) {
        throw new GoodTakeError(`generation ${id} is still ${state.status}`, { code: 'timeout' });
      }
      await sleep(options.pollInterval ?? 1000, options.signal);
    }
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
