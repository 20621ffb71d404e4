import { Agent, interceptors, request } from 'undici';

/** One outgoing request of a provider adapter. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborting it ends the request and any body still being read. */
  readonly signal: AbortSignal;
}

/** The reply: status and headers at once, the body as it arrives. */
export interface HttpResponse {
  readonly status: number;
  /** A header by lower-case name; repeated headers joined by ", ". */
  header(name: string): string | undefined;
  /** The body, chunk by chunk; leaving the loop early stops reading it. */
  readonly body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** Drops the rest of the body; never throws. */
  discard(): Promise<void>;
}

/** What provider adapters send their upstream calls and downloads through. */
export interface HttpClient {
  send(url: string, req: HttpRequest): Promise<HttpResponse>;
  /** Closes pooled connections; pending requests finish first. */
  close(): Promise<void>;
}

export interface UndiciClientOptions {
  /** Idle keep-alive sockets are closed after this long (and sooner if the server says so). */
  readonly keepAliveTimeoutMs?: number;
}

/**
 * The production client: undici's `request` on a keep-alive connection pool of its own.
 * `fetch` (undici underneath too) builds WHATWG Request/Response/Headers objects and web
 * streams for every call; on the gateway's hot path that cost several times what the call
 * itself did, so adapters talk to `request` directly (docs/performance.md).
 */
export function createUndiciClient(options: UndiciClientOptions = {}): HttpClient {
  const dispatcher = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    // Upstream replies may take minutes (image generation); the caller's signal bounds them.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  // GETs (result downloads) follow redirects, as fetch did; a POST is never re-sent elsewhere.
  const following = dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  return {
    async send(url, req) {
      const res = await request(url, {
        method: req.method,
        headers: req.headers ?? {},
        body: req.body ?? null,
        signal: req.signal,
        dispatcher: req.method === 'GET' ? following : dispatcher,
      });
      const body = res.body;
      return {
        status: res.statusCode,
        header(name) {
          const value = res.headers[name];
          return Array.isArray(value) ? value.join(', ') : value;
        },
        body,
        text: () => body.text(),
        discard: () => body.dump().then(noop, noop),
      };
    },
    close: () => dispatcher.close(),
  };
}

/**
 * A client over a `fetch` function: for runtimes or tests that bring their own (a proxying
 * fetch, a fetch that injects faults). Same semantics as the undici client.
 */
export function createFetchClient(fetchFn: typeof fetch): HttpClient {
  return {
    async send(url, req) {
      const init: RequestInit = { method: req.method, signal: req.signal };
      if (req.headers) init.headers = req.headers;
      if (req.body !== undefined) init.body = req.body;
      const res = await fetchFn(url, init);
      const stream = res.body;
      return {
        status: res.status,
        header: (name) => res.headers.get(name) ?? undefined,
        body: stream ?? emptyBody(),
        text: () => res.text(),
        discard: () => (stream ? stream.cancel().then(noop, noop) : Promise.resolve()),
      };
    },
    close: () => Promise.resolve(),
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

function noop(): void {}
