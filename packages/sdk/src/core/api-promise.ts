import type { RateLimitInfo } from '../internal/headers.ts';

/** A successful response with everything the API said about it. */
export interface ApiResponse<T> {
  /** The parsed `data` of the body, as resource methods return it. */
  readonly data: T;
  /** The whole parsed JSON body (`{ status: 'success', data }`). */
  readonly body: unknown;
  readonly response: Response;
  /** `X-Request-Id`: quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** `X-RateLimit-*`, on endpoints that count requests. */
  readonly rateLimit: RateLimitInfo | undefined;
}

/**
 * What resource methods return: await it for the data, or call `.withResponse()` for the
 * request id, rate-limit headers and raw body as well.
 *
 * @example
 * ```ts
 * const { data, requestId, rateLimit } = await client.images
 *   .generate({ prompt: 'a red kite' })
 *   .withResponse();
 * ```
 */
export class ApiPromise<T> implements Promise<T> {
  readonly #response: Promise<ApiResponse<T>>;
  #data: Promise<T> | undefined;

  constructor(response: Promise<ApiResponse<T>>) {
    this.#response = response;
  }

  /** The data together with the response it came from. */
  withResponse(): Promise<ApiResponse<T>> {
    return this.#response;
  }

  #parsed(): Promise<T> {
    this.#data ??= this.#response.then((r) => r.data);
    return this.#data;
  }

  // biome-ignore lint/suspicious/noThenProperty: this class is a Promise by design.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parsed().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parsed().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parsed().finally(onfinally);
  }

  readonly [Symbol.toStringTag] = 'ApiPromise';
}
