import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { type AllowList, checkResolved, parseHostLiteral } from './address-policy.ts';

/** Why a fetch produced no bytes. */
export type FetchFailureReason =
  | 'internal_address'
  | 'not_found'
  | 'too_large'
  | 'timeout'
  | 'unreachable'
  | 'invalid_url'
  | 'too_many_redirects'
  | 'aborted';

/**
 * The result of one guarded fetch. `message` is safe to show to API clients (it never names a
 * resolved address); `detail` is for operator logs.
 */
export type FetchOutcome =
  | {
      readonly ok: true;
      readonly bytes: Buffer;
      readonly finalUrl: string;
      /** False when some hop was reachable only thanks to the operator's allow-list. */
      readonly allPublic: boolean;
    }
  | {
      readonly ok: false;
      readonly reason: FetchFailureReason;
      readonly message: string;
      /** The HTTP status, when the server answered with a non-2xx, non-redirect status. */
      readonly status?: number;
      readonly detail?: string;
      /** For internal_address: what was refused, for the operator's log (no URL, no path). */
      readonly refused?: RefusedAddress;
    };

/** An address the fetcher would not dial: the host asked for, the address, and its class. */
export interface RefusedAddress {
  readonly host: string;
  readonly address: string;
  /** Why the address is not public, e.g. `loopback`, `private (RFC 1918)`. */
  readonly addressClass: string;
}

export type FetchFailure = Extract<FetchOutcome, { ok: false }>;

export interface GuardedFetcherOptions {
  readonly allow: AllowList;
  /** Resolves a host name to every address it has; defaults to `dns.lookup` with `all`. */
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly maxBytes: number;
  /** From dialling to an established TCP connection, per hop. */
  readonly connectTimeoutMs: number;
  /** For the whole fetch: every lookup, redirect and byte. */
  readonly totalTimeoutMs: number;
  /** Redirects followed before giving up; 3 unless set. */
  readonly maxRedirects?: number;
}

/** What a guarded POST got: the final status (any), or why there was none. */
export type PostOutcome =
  | { readonly ok: true; readonly status: number; readonly finalUrl: string }
  | FetchFailure;

/** The one HTTP client through which client-supplied URLs are fetched. */
export interface GuardedFetcher {
  readonly maxBytes: number;
  fetchImageBytes(url: string, signal?: AbortSignal): Promise<FetchOutcome>;
}

/** The same client sending to client-supplied URLs (webhooks). */
export interface GuardedPoster {
  /**
   * POSTs `body` to a client-supplied URL (webhooks) under the same address checks, redirects
   * included (the body is sent again to each checked location). Any final status is an
   * answer; the response body is discarded.
   */
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PostOutcome>;
}

/** How one hop is requested: an image GET, or a POST whose answer is only its status. */
type Method =
  | { readonly kind: 'image' }
  | { readonly kind: 'post'; readonly body: string; readonly headers: Record<string, string> };

type Target = {
  readonly url: URL;
  /** The IP literal to connect to, or undefined when `name` must be resolved. */
  readonly literal: string | undefined;
  readonly name: string;
};

type Exchange =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'body'; readonly bytes: Buffer }
  | { readonly kind: 'status'; readonly status: number };

type Stop = { readonly stop: 'timeout' | 'aborted' };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

async function defaultResolve(host: string): Promise<string[]> {
  const entries = await dnsLookup(host, { all: true, order: 'verbatim' });
  return entries.map((e) => e.address);
}

/**
 * Creates the guarded fetcher: http(s) only, no credentials in URLs, each host resolved once per
 * fetch and every resolved address checked (public, or allowed by the operator) before the
 * connection is dialled to exactly those addresses, redirects re-checked, and time and bytes
 * bounded. Response content types are ignored; callers inspect the bytes.
 */
export function createGuardedFetcher(
  options: GuardedFetcherOptions,
): GuardedFetcher & GuardedPoster {
  const resolve = options.resolve ?? defaultResolve;
  const maxRedirects = options.maxRedirects ?? 3;

  async function follow(
    start: string,
    signal: AbortSignal,
    method: Method = { kind: 'image' },
  ): Promise<FetchOutcome | PostOutcome> {
    // One resolution per name per fetch: a redirect back to the same host reuses what was checked.
    const resolved = new Map<string, readonly string[]>();
    let allPublic = true;
    let current = start;
    let base: URL | undefined;
    for (let redirects = 0; ; redirects++) {
      const target = parseTarget(current, base);
      if ('ok' in target) return target;
      let addresses: readonly string[];
      if (target.literal !== undefined) {
        addresses = [target.literal];
      } else {
        const cached = resolved.get(target.name);
        if (cached) {
          addresses = cached;
        } else {
          const answer = await untilStopped(resolveAll(target.name), signal);
          if (isStop(answer)) return stopped(answer);
          if (!Array.isArray(answer)) return answer;
          addresses = answer;
          resolved.set(target.name, addresses);
        }
      }
      const verdict = checkResolved(options.allow, target.name, addresses);
      if (!verdict.ok) {
        return {
          ...failure(
            'internal_address',
            'the URL references an internal address',
            `${target.name} -> ${verdict.address}: ${verdict.reason}`,
          ),
          refused: { host: target.name, address: verdict.address, addressClass: verdict.reason },
        };
      }
      allPublic &&= verdict.public;
      const exchange = await request(target, addresses, signal, method);
      if ('ok' in exchange) return exchange;
      if (exchange.kind === 'body') {
        return { ok: true, bytes: exchange.bytes, finalUrl: target.url.href, allPublic };
      }
      if (exchange.kind === 'status') {
        return { ok: true, status: exchange.status, finalUrl: target.url.href };
      }
      if (redirects >= maxRedirects) {
        return failure('too_many_redirects', `more than ${maxRedirects} redirects`);
      }
      current = exchange.location;
      base = target.url;
    }
  }

  async function resolveAll(name: string): Promise<string[] | FetchFailure> {
    try {
      const addresses = await resolve(name);
      if (addresses.length === 0) return failure('unreachable', 'the image host has no address');
      if (addresses.some((a) => isIP(a) === 0)) {
        return failure(
          'unreachable',
          'the image host could not be resolved',
          'resolver returned a non-address',
        );
      }
      return addresses;
    } catch (err) {
      return failure('unreachable', 'the image host could not be resolved', errorDetail(err));
    }
  }

  function request(
    target: Target,
    addresses: readonly string[],
    signal: AbortSignal,
    method: Method,
  ): Promise<Exchange | FetchFailure> {
    return new Promise((settle) => {
      const { url } = target;
      const dialled = new BlockList();
      for (const a of addresses) dialled.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
      let connectTimer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (result: Exchange | FetchFailure) => {
        if (done) return;
        done = true;
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        settle(result);
      };
      const onAbort = () => finish(stopped(signal.reason as Stop));
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request({
        protocol: url.protocol,
        host: target.literal ?? target.name,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: method.kind === 'post' ? 'POST' : 'GET',
        headers:
          method.kind === 'post'
            ? {
                ...method.headers,
                host: url.host,
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(method.body)),
                'user-agent': 'goodtake-webhooks',
              }
            : {
                host: url.host,
                accept: 'image/png, image/jpeg, image/webp',
                // Compressed bodies would dodge the byte cap and hide decompression bombs.
                'accept-encoding': 'identity',
                'user-agent': 'goodtake-image-fetch',
              },
        lookup: pinnedLookup(addresses),
        // A private agent: no pooled socket from another resolution, no environment proxy.
        agent: false,
      });
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => finish(failure('timeout', 'timed out connecting to the image host')),
          options.connectTimeoutMs,
        );
        socket.once('connect', () => {
          clearTimeout(connectTimer);
          const remote = socket.remoteAddress ?? '';
          const family = socket.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4';
          if (!dialled.check(remote, family)) {
            finish({
              ...failure(
                'internal_address',
                'the URL references an internal address',
                `connected to unchecked ${remote}`,
              ),
              refused: {
                host: target.name,
                address: remote,
                addressClass: 'not the checked address',
              },
            });
          }
        });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          const location = res.headers.location;
          finish(
            location
              ? { kind: 'redirect', location }
              : failure('not_found', `HTTP ${status} without a Location`, undefined, status),
          );
          return;
        }
        if (method.kind === 'post') {
          // Only the status matters; the body is read and dropped so the socket can close.
          res.resume();
          res.on('end', () => finish({ kind: 'status', status }));
          res.on('error', () => finish({ kind: 'status', status }));
          return;
        }
        if (status < 200 || status > 299) {
          const reason = status >= 500 ? 'unreachable' : 'not_found';
          finish(
            failure(reason, `the image could not be fetched (HTTP ${status})`, undefined, status),
          );
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          finish(failure('too_large', 'the image is too large', `Content-Length ${declared}`));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > options.maxBytes) {
            finish(
              failure('too_large', 'the image is too large', `over ${options.maxBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish({ kind: 'body', bytes: Buffer.concat(chunks, total) }));
        res.on('error', (err) => finish(connectionFailure(err)));
        res.on('close', () => {
          if (!res.complete)
            finish(failure('unreachable', 'the connection closed before the image was complete'));
        });
      });
      req.on('error', (err) => finish(connectionFailure(err)));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      req.end(method.kind === 'post' ? method.body : undefined);
    });
  }

  /**
   * Runs `body` under one signal that ends at the total timeout (`stop: 'timeout'`) or when the
   * caller's signal aborts (`stop: 'aborted'`), whichever comes first.
   */
  async function withinDeadline<T>(
    signal: AbortSignal | undefined,
    body: (bounded: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort({ stop: 'timeout' } satisfies Stop),
      options.totalTimeoutMs,
    );
    const onAbort = () => controller.abort({ stop: 'aborted' } satisfies Stop);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await body(controller.signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    maxBytes: options.maxBytes,
    fetchImageBytes: (url, signal) =>
      withinDeadline(signal, async (bounded) => (await follow(url, bounded)) as FetchOutcome),
    post: (url, body, headers, signal) =>
      withinDeadline(
        signal,
        async (bounded) =>
          (await follow(url, bounded, { kind: 'post', body, headers })) as PostOutcome,
      ),
  };
}

function parseTarget(raw: string, base: URL | undefined): Target | FetchFailure {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return failure('invalid_url', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return failure('invalid_url', `only http and https URLs are accepted, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    return failure('invalid_url', 'URLs with credentials are not accepted');
  }
  // WHATWG URL has already normalised numeric hosts; parsing again guarantees the checked
  // literal and the dialled literal are one string even if that ever changes.
  const host = parseHostLiteral(url.hostname);
  if (host.kind === 'invalid') return failure('invalid_url', 'not a valid URL host');
  if (host.kind === 'name') return { url, literal: undefined, name: host.name };
  return { url, literal: host.address, name: host.address };
}

/** A `lookup` for http.request that answers with the already-checked addresses, never DNS. */
function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const matching = entries.filter((e) => wanted === 0 || e.family === wanted);
    const first = matching[0];
    process.nextTick(() => {
      if (first === undefined) {
        const err: NodeJS.ErrnoException = new Error('no checked address of the requested family');
        err.code = 'ENOTFOUND';
        callback(err, '');
      } else if (options.all) {
        callback(null, matching);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T | Stop> {
  if (signal.aborted) return Promise.resolve(signal.reason as Stop);
  return new Promise((settle) => {
    const onAbort = () => settle(signal.reason as Stop);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        settle(value);
      },
      () => undefined,
    );
  });
}

function isStop(value: unknown): value is Stop {
  return typeof value === 'object' && value !== null && 'stop' in value;
}

function stopped(stop: Stop): FetchFailure {
  return stop.stop === 'timeout'
    ? failure('timeout', 'timed out fetching the image')
    : failure('aborted', 'the fetch was cancelled');
}

function connectionFailure(err: unknown): FetchFailure {
  return failure('unreachable', 'the image host could not be reached', errorDetail(err));
}

function errorDetail(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

function failure(
  reason: FetchFailureReason,
  message: string,
  detail?: string,
  status?: number,
): FetchFailure {
  return {
    ok: false,
    reason,
    message,
    ...(detail === undefined ? {} : { detail }),
    ...(status === undefined ? {} : { status }),
  };
}
