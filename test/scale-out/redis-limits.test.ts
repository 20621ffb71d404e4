import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisThroughputGuard } from '../../src/providers/modelark/index.ts';
import {
  createRedisConcurrencyLimiter,
  createRedisRequestLimiter,
} from '../../src/ratelimit/redis-limiter.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';
import {
  dropRedisPrefix,
  randomRedisPrefix,
  scaleOutUrls,
  startTcpProxy,
} from '../helpers/scale-out.ts';

// The Redis limiters against the machine's Redis, each "replica" with its own connection, and
// what goodtake does when Redis goes away (GOODTAKE_REDIS_FAILURE_MODE).
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: Redis limiter tests skipped (${urls.reason})`);
const redisUrl = urls.ok ? urls.urls.redisUrl : '';
const SMALL = { prompt: 'a small test image', model: 'seedream-4-0-250828', size: '512x512' };

describe.skipIf(!urls.ok)(
  `Redis limits shared by replicas${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    const clients: Redis[] = [];
    const prefix = randomRedisPrefix();
    const client = () => {
      const c = new Redis(redisUrl);
      clients.push(c);
      return c;
    };
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await dropRedisPrefix(redisUrl, prefix);
    });

    it('requests per window: exactly the limit across replicas, counted once each, exact waits', async () => {
      const replicas = [0, 1, 2].map(() =>
        createRedisRequestLimiter({ client: client(), prefix, windowMs: 2000 }),
      );
      const started = Date.now();
      const decisions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => replicas[i % 3]!.hit('key-a', 7)),
      );
      const allowed = decisions.filter((d) => d.allowed);
      expect(allowed).toHaveLength(7);
      expect(allowed.map((d) => d.remaining).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      for (const d of decisions.filter((d) => !d.allowed)) {
        expect(d.remaining).toBe(0);
        expect(d.retryAfterSeconds).toBe(2);
        expect(d.resetSeconds).toBe(2);
      }
      // Another key is untouched.
      expect((await replicas[0]!.hit('key-b', 7)).remaining).toBe(6);
      // Once the window has passed, the key is let through again.
      await new Promise((r) => setTimeout(r, Math.max(0, started + 2100 - Date.now())));
      expect((await replicas[1]!.hit('key-a', 7)).allowed).toBe(true);
    });

    it('generations in flight: a global limit; released and expired leases free their slot', async () => {
      const [a, b] = [0, 1].map(() =>
        createRedisConcurrencyLimiter({ client: client(), prefix, leaseMs: 400 }),
      ) as [
        ReturnType<typeof createRedisConcurrencyLimiter>,
        ReturnType<typeof createRedisConcurrencyLimiter>,
      ];
      const first = await a.acquire('key-c', 2);
      const second = await b.acquire('key-c', 2);
      expect([first.ok, second.ok]).toEqual([true, true]);
      const third = await a.acquire('key-c', 2);
      expect(third).toEqual({ ok: false, retryAfterSeconds: 1 });
      if (first.ok) await first.release();
      expect((await b.acquire('key-c', 2)).ok).toBe(true);
      // Neither holder releases (a crashed replica): the leases expire and the slots come back.
      expect((await a.acquire('key-c', 2)).ok).toBe(false);
      await new Promise((r) => setTimeout(r, 450));
      const afterExpiry = await Promise.all([
        a.acquire('key-c', 2),
        b.acquire('key-c', 2),
        a.acquire('key-c', 2),
      ]);
      expect(afterExpiry.map((s) => s.ok).sort()).toEqual([false, true, true]);
    });

    it('upstream throughput: one images-per-window budget per model across replicas, queued in order', async () => {
      const guard = (maxQueueMs: number) =>
        createRedisThroughputGuard({
          client: client(),
          prefix,
          limitFor: () => 3,
          maxQueueMs,
          windowMs: 1000,
          failureMode: 'closed',
          unavailableRetryAfter: 5,
        });
      const signal = new AbortController().signal;
      const noQueue = [guard(0), guard(0)];
      const decisions = await Promise.all(
        Array.from({ length: 7 }, (_, i) => noQueue[i % 2]!.acquire('model-x', signal)),
      );
      expect(decisions.filter((d) => d.ok)).toHaveLength(3);
      for (const d of decisions.filter((d) => !d.ok))
        expect(d).toEqual({ ok: false, retryAfter: 1 });

      // With a queue, jobs over the budget wait for the window instead of failing.
      const queued = [guard(5000), guard(5000)];
      const t0 = Date.now();
      const finished: number[] = [];
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          queued[i % 2]!.acquire('model-y', signal).then((d) => {
            expect(d.ok).toBe(true);
            finished.push(Date.now() - t0);
          }),
        ),
      );
      finished.sort((x, y) => x - y);
      expect(finished.slice(0, 3).every((ms) => ms < 500)).toBe(true);
      expect(finished.slice(3).every((ms) => ms >= 950 && ms < 2500)).toBe(true);

      // A waiting job that is cancelled gives its slot back.
      const ctl = new AbortController();
      const g = guard(5000);
      for (let i = 0; i < 3; i++) expect((await g.acquire('model-z', signal)).ok).toBe(true);
      const waiting = g.acquire('model-z', ctl.signal);
      setTimeout(() => ctl.abort(), 50);
      expect((await waiting).ok).toBe(false);
      const c = client();
      expect(await c.zcard(`${prefix}throughput:model-z`)).toBe(3);
    });
  },
);

describe.skipIf(!urls.ok)(
  `when Redis is unavailable${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
    let t: TestApp | undefined;
    beforeAll(async () => {
      proxy = await startTcpProxy(redisUrl);
    });
    afterAll(async () => {
      await t?.close();
      await proxy.close();
    });

    const untilStatus = async (app: TestApp, status: number) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await app.generate(SMALL);
        if (res.status === status || Date.now() > deadline) return res;
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    it('closed (default): refuses with 503 and retry_after, spends nothing, recovers by itself', async () => {
      await proxy.restore();
      t = await createTestApp({
        env: {
          REDIS_URL: proxy.url,
          GOODTAKE_RATE_LIMIT_RPM: '100',
          GOODTAKE_RATE_LIMIT_CONCURRENCY: '2',
        },
      });
      expect((await t.generate(SMALL)).status).toBe(200);
      const before = await t.application.core.ledger.balance(t.accountId);

      await proxy.cut();
      const started = Date.now();
      const refused = await t.generate(SMALL);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      const err = await errorOf(refused);
      expect(err.code).toBe('service_unavailable');
      expect(err.retry_after).toBe(5);
      expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);

      await proxy.restore();
      const back = await untilStatus(t, 200);
      expect(back.status).toBe(200);
      expect(back.headers.get('x-ratelimit-limit')).toBe('100');

      // A Redis that stops answering (a partition, not a refusal) is given up on after 1 s.
      proxy.hang();
      const hungStart = Date.now();
      const hung = await t.generate(SMALL);
      expect(hung.status).toBe(503);
      expect(Date.now() - hungStart).toBeLessThan(3000);
      await proxy.cut();
      await proxy.restore();
      expect((await untilStatus(t, 200)).status).toBe(200);
      await t.close();
      t = undefined;
    });

    it('open: lets requests through without limits while Redis is away', async () => {
      await proxy.restore();
      t = await createTestApp({
        env: {
          REDIS_URL: proxy.url,
          GOODTAKE_REDIS_FAILURE_MODE: 'open',
          GOODTAKE_RATE_LIMIT_RPM: '2',
          GOODTAKE_RATE_LIMIT_CONCURRENCY: '1',
        },
      });
      expect((await t.generate(SMALL)).status).toBe(200);
      expect((await t.generate(SMALL)).status).toBe(200);
      expect((await t.generate(SMALL)).status).toBe(429);
      await proxy.cut();
      const through = await Promise.all([t.generate(SMALL), t.generate(SMALL)]);
      expect(through.map((r) => r.status)).toEqual([200, 200]);
      expect(through[0]!.headers.get('x-ratelimit-limit')).toBeNull();
      await proxy.restore();
      expect((await untilStatus(t, 429)).status).toBe(429);
      await t.close();
      t = undefined;
    });

    it('the upstream throughput guard: closed refuses the job with retry_after, open lets it through', async () => {
      await proxy.restore();
      const shared = new Redis(proxy.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 1000,
      });
      shared.on('error', () => {});
      try {
        await new Promise((r) => shared.once('ready', r));
        const failures: unknown[] = [];
        const guard = (failureMode: 'closed' | 'open') =>
          createRedisThroughputGuard({
            client: shared,
            prefix: randomRedisPrefix(),
            limitFor: () => 10,
            maxQueueMs: 0,
            failureMode,
            unavailableRetryAfter: 5,
            onFailure: (err) => failures.push(err),
          });
        const signal = new AbortController().signal;
        expect(await guard('closed').acquire('m', signal)).toEqual({ ok: true });
        await proxy.cut();
        expect(await guard('closed').acquire('m', signal)).toEqual({ ok: false, retryAfter: 5 });
        expect(await guard('open').acquire('m', signal)).toEqual({ ok: true });
        expect(failures).toHaveLength(2);
      } finally {
        shared.disconnect();
      }
    });

    it('at start: closed refuses to start without Redis; open starts and warns', async () => {
      await proxy.cut();
      await expect(createTestApp({ env: { REDIS_URL: proxy.url } })).rejects.toThrow(
        /cannot reach Redis.*GOODTAKE_REDIS_FAILURE_MODE=closed/,
      );
      t = await createTestApp({
        env: {
          REDIS_URL: proxy.url,
          GOODTAKE_REDIS_FAILURE_MODE: 'open',
          GOODTAKE_RATE_LIMIT_RPM: '1',
        },
      });
      expect((await t.generate(SMALL)).status).toBe(200);
      expect((await t.generate(SMALL)).status).toBe(200);
      await proxy.restore();
      expect((await untilStatus(t, 429)).status).toBe(429);
    });
  },
);
