import { ApiPromise, type ApiResponse } from './core/api-promise.ts';
import { AbortError, ConnectionError, GoodTakeError, TimeoutError } from './core/errors.ts';
import { retryDelayMs } from './core/retry.ts';
import { readEnv } from './internal/env.ts';
import { rateLimitOf } from './internal/headers.ts';
import { sleep as realSleep } from './internal/sleep.ts';
import { Account } from './resources/account.ts';
import { Generations } from './resources/generations.ts';
import { Images } from './resources/images.ts';
import { Models } from './resources/models.ts';

export const DEFAULT_BASE_URL = 'https://api.goodtake.ai';
/** Ten minutes: a 4-image 4K generation can take several minutes upstream. */
export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_MAX_RETRIES = 2;

/** Options of `new GoodTake(...)`. */
export interface ClientOptions {
  /** Defaults to `process.env.GOODTAKE_API_KEY`. Looks like `gt_` + 32 or more characters. */
  apiKey?: string | undefined;
  /**
   * Defaults to `process.env.GOODTAKE_BASE_URL`, then `https://api.goodtake.ai`. Point it at
   * your own goodtake server, e.g. `http://localhost:8080`.
   */
  baseURL?: string | undefined;
  /** Milliseconds allowed for each attempt, body included. Defaults to 10 minutes. */
  timeout?: number | undefined;
  /** Retries after a retryable failure (429, 502, 503, 504, connection errors). Defaults to 2. */
  maxRetries?: number | undefined;
  /** A `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch | undefined;
  /** Headers sent with every API request. */
  defaultHeaders?: Readonly<Record<string, string>> | undefined;
  /** @internal Replaces the wait between retries (tests record the delays). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** Per-call options, the last argument of every resource method. */
export interface RequestOptions {
  /** Milliseconds for each attempt; overrides the client's `timeout`. */
  timeout?: number | undefined;
  /** Cancels the call, including any wait between retries; it then rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `maxRetries`. */
  maxRetries?: number | undefined;
  /** Extra headers for this call. */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** A request to the API, as resources describe it. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path from the base URL, e.g. `/api/v1/account`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The GoodTake API client. One instance holds the key, base URL and retry settings; its
 * resources (`images`, `account`, `generations`, `models`) make the calls.
 *
 * @example
 * ```ts
 * import { GoodTake } from '@goodtake/sdk';
 *
 * const client = new GoodTake(); // reads GOODTAKE_API_KEY and GOODTAKE_BASE_URL
 * const { images } = await client.images.generate({ prompt: 'A lighthouse at dusk' });
 * console.log(images[0]?.url);
 * ```
 */
export class GoodTake {
  readonly baseURL: string;
  readonly timeout: number;
  readonly maxRetries: number;

  readonly images: Images = new Images(this);
  readonly account: Account = new Account(this);
  readonly generations: Generations = new Generations(this);
  readonly models: Models = new Models(this);

  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #defaultHeaders: Readonly<Record<string, string>>;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? readEnv('GOODTAKE_API_KEY');
    if (!apiKey) {
      throw new GoodTakeError(
        'No API key: set the GOODTAKE_API_KEY environment variable, or pass one: new GoodTake({ apiKey: "gt_..." })',
        { code: 'missing_api_key' },
      );
    }
    this.#apiKey = apiKey;
    const baseURL = options.baseURL ?? readEnv('GOODTAKE_BASE_URL') ?? DEFAULT_BASE_URL;
    if (!URL.canParse(baseURL)) {
      throw new GoodTakeError(`baseURL is not an absolute URL: '${baseURL}'`, {
        code: 'invalid_base_url',
      });
    }
    this.baseURL = baseURL.replace(/\/+$/, '');
    this.timeout = checkTimeout(options.timeout ?? DEFAULT_TIMEOUT_MS);
    this.maxRetries = checkRetries(options.maxRetries ?? DEFAULT_MAX_RETRIES);
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#defaultHeaders = { ...options.defaultHeaders };
    this.#sleep = options.sleep ?? realSleep;
  }

  /**
   * Calls the API: JSON in, the body's `data` out, with the client's auth, timeout and
   * retries. Resources use it; call it directly for endpoints the SDK does not cover yet.
   *
   * @example
   * ```ts
   * const account = await client.request<{ balance: number }>({ method: 'GET', path: '/api/v1/account' });
   * ```
   */
  request<T>(request: ApiRequest, options: RequestOptions = {}): ApiPromise<T> {
    const url = new URL(`${this.baseURL}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...this.#defaultHeaders,
      ...request.headers,
      ...options.headers,
      Authorization: `Bearer ${this.#apiKey}`,
    };
    const init: RequestInit = { method: request.method, headers };
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(request.body);
    }
    return new ApiPromise(
      this.#withRetries(options, (signal) => this.#attempt(url, init, signal, options, readJson)),
    ) as ApiPromise<T>;
  }

  /**
   * Downloads an image URL with this client's fetch, timeout and retries. The API key is not
   * sent: image URLs are public.
   *
   * @example
   * ```ts
   * const { bytes, contentType } = await client.download(image.url);
   * ```
   */
  async download(
    url: string,
    options: RequestOptions = {},
  ): Promise<{ bytes: Uint8Array; contentType: string }> {
    const init: RequestInit = { method: 'GET', headers: { ...options.headers } };
    const result = await this.#withRetries(options, (signal) =>
      this.#attempt(new URL(url), init, signal, options, readBytes),
    );
    return result.data;
  }

  /**
   * Opens a Server-Sent Events stream of the API (auth included, no timeout: it lasts as long
   * as the events do). Resources use it (`generations.events`); rejects with a GoodTake error
   * for an error answer.
   */
  async openStream(
    path: string,
    headers: Readonly<Record<string, string>> = {},
    signal?: AbortSignal,
  ): Promise<Response> {
    const url = new URL(`${this.baseURL}${path}`);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'GET',
        headers: {
          Accept: 'text/event-stream',
          ...this.#defaultHeaders,
          ...headers,
          Authorization: `Bearer ${this.#apiKey}`,
        },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal.reason);
      const detail = err instanceof Error ? describeCause(err) : String(err);
      throw new ConnectionError(`GET ${url.origin}${url.pathname} failed: ${detail}`, {
        code: 'connection_error',
        cause: err,
      });
    }
    if (!response.ok) throw GoodTakeError.from(response, parseJson(await response.text()));
    return response;
  }

  async #withRetries<T>(
    options: RequestOptions,
    attempt: (signal: AbortSignal | undefined) => Promise<ApiResponse<T>>,
  ): Promise<ApiResponse<T>> {
    const maxRetries = checkRetries(options.maxRetries ?? this.maxRetries);
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(options.signal);
      } catch (err) {
        if (!(err instanceof GoodTakeError) || retry >= maxRetries) throw err;
        const delay = retryDelayMs(err, retry);
        if (delay === undefined) throw err;
        try {
          await this.#sleep(delay, options.signal);
        } catch (reason) {
          throw abortError(reason);
        }
      }
    }
  }

  /** One HTTP exchange, body included, under the timeout; failures become GoodTake errors. */
  async #attempt<T>(
    url: URL,
    init: RequestInit,
    signal: AbortSignal | undefined,
    options: RequestOptions,
    read: (response: Response) => Promise<{ data: T; body: unknown }>,
  ): Promise<ApiResponse<T>> {
    if (signal?.aborted) throw abortError(signal.reason);
    const timeout = checkTimeout(options.timeout ?? this.timeout);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#fetch(url, { ...init, signal: controller.signal });
      if (!response.ok) {
        const text = await response.text();
        throw GoodTakeError.from(response, parseJson(text));
      }
      const { data, body } = await read(response);
      return {
        data,
        body,
        response,
        requestId: response.headers.get('x-request-id') ?? undefined,
        rateLimit: rateLimitOf(response.headers),
      };
    } catch (err) {
      if (signal?.aborted) throw abortError(signal.reason);
      if (timedOut) {
        throw new TimeoutError(`${init.method} ${url.pathname} timed out after ${timeout} ms`, {
          code: 'timeout',
          cause: err,
        });
      }
      if (err instanceof GoodTakeError) throw err;
      const detail = err instanceof Error ? describeCause(err) : String(err);
      throw new ConnectionError(`${init.method} ${url.origin}${url.pathname} failed: ${detail}`, {
        code: 'connection_error',
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

async function readJson(response: Response): Promise<{ data: unknown; body: unknown }> {
  const text = await response.text();
  const body = parseJson(text);
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw new GoodTakeError(
      `${response.status}: the response is not a GoodTake API body (is baseURL right?)`,
      {
        code: 'invalid_response',
        status: response.status,
        requestId: response.headers.get('x-request-id') ?? undefined,
        headers: response.headers,
      },
    );
  }
  return { data: body.data, body };
}

async function readBytes(
  response: Response,
): Promise<{ data: { bytes: Uint8Array; contentType: string }; body: unknown }> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
  return { data: { bytes, contentType }, body: undefined };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function abortError(reason: unknown): AbortError {
  return new AbortError('The request was aborted', { code: 'aborted', cause: reason });
}

/** Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, ...) is the cause. */
function describeCause(err: Error): string {
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${err.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}

function checkTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new RangeError(`timeout must be a positive number of milliseconds, got ${ms}`);
  }
  return ms;
}

function checkRetries(n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`maxRetries must be a whole number >= 0, got ${n}`);
  }
  return n;
}
