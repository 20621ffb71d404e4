import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ConflictError,
  GoodTake,
  GoodTakeError,
  InternalServerError,
  InvalidRequestError,
  RateLimitError,
  TimeoutError,
  UpstreamError,
} from '../src/index.ts';
import {
  apiError,
  hang,
  json,
  reset,
  type Step,
  scriptedServer,
  success,
} from './helpers/scripted-server.ts';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A client against a scripted server whose waits are recorded instead of slept. */
async function setup(steps: Step[], options: { maxRetries?: number; timeout?: number } = {}) {
  const server = await scriptedServer(steps);
  servers.push(server);
  const waits: number[] = [];
  const client = new GoodTake({
    apiKey: 'gt_test',
    baseURL: server.url,
    ...options,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { client, waits, requests: server.requests, url: server.url };
}

async function rejectionOf(promise: Promise<unknown>): Promise<GoodTakeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GoodTakeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const keysOf = (requests: Array<{ headers: Record<string, unknown> }>) =>
  requests.map((r) => r.headers['idempotency-key']);

describe('retries', () => {
  it('429 with Retry-After: 2 → waits 2 s, retries with the same Idempotency-Key', async () => {
    const { client, waits, requests } = await setup([
      apiError(429, 'rate_limit_exceeded', { headers: { 'Retry-After': '2' } }),
      success,
    ]);
    const result = await client.images.generate({ prompt: 'p' });
    expect(result.images).toHaveLength(1);
    expect(requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
    const [first, second] = keysOf(requests);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).toBe(first);
    expect(requests.every((r) => r.body === requests[0]!.body)).toBe(true);
  });

  it('503 → waits the body’s retry_after (preferred over the header)', async () => {
    const { client, waits, requests } = await setup([
      apiError(503, 'service_unavailable', { retry_after: 3, headers: { 'Retry-After': '5' } }),
      success,
    ]);
    await client.images.generate({ prompt: 'p' });
    expect(requests).toHaveLength(2);
    expect(waits).toEqual([3000]);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 4000).toUTCString();
    const { client, waits } = await setup([
      apiError(429, 'rate_limit_exceeded', { headers: { 'Retry-After': at } }),
      success,
    ]);
    await client.account.retrieve();
    expect(waits[0]).toBeGreaterThan(2000);
    expect(waits[0]).toBeLessThanOrEqual(4000);
  });

  it('502 and 504 → exponential backoff with full jitter under each ceiling', async () => {
    const { client, waits, requests } = await setup([
      apiError(502, 'upstream_error'),
      apiError(504, 'upstream_timeout'),
      success,
    ]);
    await client.images.generate({ prompt: 'p' });
    expect(requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(0);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
    expect(new Set(keysOf(requests)).size).toBe(1);
  });

  it('caps the backoff at 8 s, then gives up after maxRetries with the last error', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const { client, waits, requests } = await setup([apiError(502, 'upstream_error')], {
      maxRetries: 7,
    });
    const err = await rejectionOf(client.images.generate({ prompt: 'p' }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ status: 502, requestId: 'req_scripted_502' });
    expect(requests).toHaveLength(8);
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('retries a reset connection, with the same Idempotency-Key', async () => {
    const { client, requests, waits } = await setup([reset, reset, success]);
    const result = await client.images.generate({ prompt: 'p' });
    expect(result.model).toBe('seedream-4-5-251128');
    expect(requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(new Set(keysOf(requests)).size).toBe(1);
  });

  it('sends the caller’s own idempotency key on every attempt', async () => {
    const { client, requests } = await setup([apiError(503, 'service_unavailable'), success]);
    await client.images.generate({ prompt: 'p' }, { idempotencyKey: 'order-42-image' });
    expect(keysOf(requests)).toEqual(['order-42-image', 'order-42-image']);
  });

  it('does not retry a wait longer than 60 s: throws it with retryAfter', async () => {
    const { client, requests, waits } = await setup([
      apiError(429, 'rate_limit_exceeded', { retry_after: 120 }),
      success,
    ]);
    const err = await rejectionOf(client.images.generate({ prompt: 'p' }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfter).toBe(120);
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([
    [500, 'internal_error', InternalServerError],
    [400, 'invalid_parameters', InvalidRequestError],
    [409, 'idempotency_conflict', ConflictError],
  ])('does not retry %i', async (status, code, ErrorClass) => {
    const { client, requests } = await setup([apiError(status, code), success]);
    const err = await rejectionOf(client.images.generate({ prompt: 'p' }));
    expect(err).toBeInstanceOf(ErrorClass);
    expect(requests).toHaveLength(1);
  });

  it('honours maxRetries per call', async () => {
    const { client, requests } = await setup([apiError(503, 'service_unavailable'), success]);
    const err = await rejectionOf(client.account.retrieve({ maxRetries: 0 }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(requests).toHaveLength(1);
  });

  it('maps an error body that is not JSON by status, with the X-Request-Id header', async () => {
    const html: Step = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html', 'X-Request-Id': 'req_proxy' });
      res.end('<html>Bad Gateway</html>');
    };
    const { client } = await setup([html], { maxRetries: 0 });
    const err = await rejectionOf(client.account.retrieve());
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: 'upstream_error', status: 502, requestId: 'req_proxy' });
  });

  it('rejects a 200 that is not an API body (a wrong baseURL)', async () => {
    const { client } = await setup([json(200, ['not', 'the', 'api'])]);
    const err = await rejectionOf(client.account.retrieve());
    expect(err.code).toBe('invalid_response');
  });
});

describe('timeouts and aborts', () => {
  it('a hanging server → TimeoutError after the timeout, and no retry', async () => {
    const { client, requests } = await setup([hang], { timeout: 200 });
    const started = Date.now();
    const err = await rejectionOf(client.images.generate({ prompt: 'p' }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(requests).toHaveLength(1);
  });

  it('a per-call timeout overrides the client’s', async () => {
    const { client } = await setup([hang]);
    const err = await rejectionOf(client.account.retrieve({ timeout: 100 }));
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it('an abort during the wait between retries ends the call at once', async () => {
    const server = await scriptedServer([
      apiError(429, 'rate_limit_exceeded', { retry_after: 30 }),
    ]);
    servers.push(server);
    const client = new GoodTake({ apiKey: 'gt_test', baseURL: server.url });
    const controller = new AbortController();
    const pending = client.account.retrieve({ signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();
    const err = await rejectionOf(pending);
    expect(err).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const { client, requests } = await setup([success]);
    const err = await rejectionOf(client.account.retrieve({ signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(AbortError);
    expect(requests).toHaveLength(0);
  });
});

describe('request shape', () => {
  it('sends the key as a Bearer token, JSON, and the query string', async () => {
    const { client, requests } = await setup([
      json(200, { status: 'success', data: { generations: [], next_cursor: null } }),
    ]);
    await client.generations.list({ limit: 5, since: new Date('2026-01-02T03:04:05Z') });
    expect(requests[0]).toMatchObject({
      method: 'GET',
      url: '/api/v1/generations?limit=5&since=2026-01-02T03%3A04%3A05.000Z',
    });
    expect(requests[0]!.headers.authorization).toBe('Bearer gt_test');
    expect(requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('posts the params as they are, snake_case, with nothing added', async () => {
    const { client, requests } = await setup([success]);
    await client.images.generate({
      prompt: 'p',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
      image_urls: ['https://example.com/a.png'],
    });
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toEqual({
      prompt: 'p',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
      image_urls: ['https://example.com/a.png'],
    });
  });
});
