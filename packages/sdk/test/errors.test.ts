import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ContentPolicyError,
  GoodTake,
  GoodTakeError,
  InsufficientCreditsError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
} from '../src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;
beforeAll(async () => {
  server = await startTestServer();
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
});
afterAll(() => server.stop());

/** The rejection of a promise that must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<GoodTakeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GoodTakeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('construction', () => {
  it('refuses to start without a key, saying how to give one', () => {
    vi.stubEnv('GOODTAKE_API_KEY', '');
    try {
      expect(() => new GoodTake()).toThrow(/GOODTAKE_API_KEY/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reads the key and base URL from the environment', async () => {
    vi.stubEnv('GOODTAKE_API_KEY', server.key);
    vi.stubEnv('GOODTAKE_BASE_URL', `${server.url}/`);
    try {
      const fromEnv = new GoodTake();
      expect(fromEnv.baseURL).toBe(server.url);
      expect((await fromEnv.account.retrieve()).balance).toBeGreaterThan(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('defaults to api.goodtake.ai, a 10-minute timeout and 2 retries', () => {
    vi.stubEnv('GOODTAKE_BASE_URL', '');
    try {
      const c = new GoodTake({ apiKey: 'gt_x' });
      expect([c.baseURL, c.timeout, c.maxRetries]).toEqual(['https://api.goodtake.ai', 600_000, 2]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('API errors from the real server, one class per meaning', () => {
  it('401 → AuthenticationError, with the request id', async () => {
    const bad = new GoodTake({ apiKey: `gt_${'x'.repeat(40)}`, baseURL: server.url });
    const err = await rejectionOf(bad.images.generate({ prompt: 'x' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', name: 'AuthenticationError' });
    expect(err.requestId).toMatch(/.{8,}/);
    expect(err.headers?.get('x-request-id')).toBe(err.requestId);
  });

  it('403 → InsufficientCreditsError', async () => {
    const poor = await startTestServer({ GOODTAKE_STARTING_CREDITS: '1' });
    try {
      const c = new GoodTake({ apiKey: poor.key, baseURL: poor.url });
      const err = await rejectionOf(c.images.generate({ prompt: 'x' }));
      expect(err).toBeInstanceOf(InsufficientCreditsError);
      expect(err).toMatchObject({ status: 403, code: 'insufficient_credits' });
    } finally {
      await poor.stop();
    }
  });

  it('400 invalid size → InvalidRequestError naming the field', async () => {
    const err = await rejectionOf(
      // @ts-expect-error 1024x1024 is a Seedream 4.0 size; the types refuse it for 4.5.
      client.images.generate({ prompt: 'x', model: 'seedream-4-5-251128', size: '1024x1024' }),
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_parameters', field: 'size' });
    expect(err.message).toMatch(/^400 invalid_parameters: size '1024x1024' is not supported/);
  });

  it('400 out-of-range count → InvalidRequestError naming number_of_images', async () => {
    const err = await rejectionOf(client.images.generate({ prompt: 'x', number_of_images: 5 }));
    expect(err).toMatchObject({ code: 'invalid_parameters', field: 'number_of_images' });
  });

  it('400 content_policy_violation → ContentPolicyError', async () => {
    const err = await rejectionOf(
      client.images.generate({ prompt: 'a castle [[offline:content_policy]]' }),
    );
    expect(err).toBeInstanceOf(ContentPolicyError);
    expect(err).toMatchObject({ status: 400, code: 'content_policy_violation' });
  });

  it('400 on a bad generations query → InvalidRequestError naming it', async () => {
    const err = await rejectionOf(client.generations.list({ limit: 101 }));
    expect(err).toMatchObject({ status: 400, field: 'limit' });
  });

  it('404 → NotFoundError (a base URL with a wrong path)', async () => {
    const wrong = new GoodTake({ apiKey: server.key, baseURL: `${server.url}/v2` });
    const err = await rejectionOf(wrong.account.retrieve());
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('409 → ConflictError: one idempotency key, two different bodies', async () => {
    const options = { idempotencyKey: 'sdk-conflict-1' };
    await client.images.generate({ prompt: 'first' }, options);
    const err = await rejectionOf(client.images.generate({ prompt: 'second' }, options));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, code: 'idempotency_conflict' });
  });

  it('429 → RateLimitError with retryAfter; retries wait exactly what the server asked', async () => {
    const limited = await startTestServer({ GOODTAKE_RATE_LIMIT_RPM: '1' });
    try {
      const waits: number[] = [];
      const c = new GoodTake({
        apiKey: limited.key,
        baseURL: limited.url,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
      await c.images.generate({ prompt: 'the only one this minute' });
      const err = await rejectionOf(c.images.generate({ prompt: 'one too many' }));
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
      expect(err.retryAfter).toBeGreaterThan(0);
      expect(err.retryAfter).toBeLessThanOrEqual(60);
      expect(err.headers?.get('retry-after')).toBe(String(err.retryAfter));
      // The sleep is faked, so both retries meet the same window and are refused too.
      expect(waits).toHaveLength(2);
      for (const w of waits) expect(w).toBe(err.retryAfter! * 1000);
    } finally {
      await limited.stop();
    }
  });
});

describe('failures without a response', () => {
  it('a refused connection → ConnectionError, after the retries', async () => {
    const waits: number[] = [];
    const c = new GoodTake({
      apiKey: server.key,
      baseURL: `http://127.0.0.1:${await closedPort()}`,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const err = await rejectionOf(c.account.retrieve());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.code).toBe('connection_error');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(waits).toHaveLength(2);
  });

  describe('against a slow server', () => {
    let slow: TestServer;
    beforeAll(async () => {
      slow = await startTestServer({ GOODTAKE_OFFLINE_DELAY_MS: '1500' });
    });
    afterAll(() => slow.stop());

    it('a call slower than its timeout → TimeoutError, not retried', async () => {
      const c = new GoodTake({ apiKey: slow.key, baseURL: slow.url, timeout: 250 });
      const started = Date.now();
      const err = await rejectionOf(c.images.generate({ prompt: 'slow' }));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('an aborted signal → AbortError, at once', async () => {
      const c = new GoodTake({ apiKey: slow.key, baseURL: slow.url });
      const controller = new AbortController();
      const started = Date.now();
      const pending = c.images.generate({ prompt: 'cancelled' }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const err = await rejectionOf(pending);
      expect(err).toBeInstanceOf(AbortError);
      expect(err.name).toBe('AbortError');
      expect(Date.now() - started).toBeLessThan(1500);
    });
  });
});
