import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../../src/providers/offline/offline-provider.ts';
import { createMemoryRequestLimiter } from '../../src/ratelimit/memory-limiter.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

const SMALL = { prompt: 'a small test image', model: 'seedream-4-0-250828', size: '1K' };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('requests per minute', () => {
  it('lets exactly the limit through, counts down, and refuses the rest with the real wait', async () => {
    let clock = 1_000_000;
    t = await createTestApp({
      env: { GOODTAKE_RATE_LIMIT_RPM: '5' },
      requestLimiter: createMemoryRequestLimiter({ now: () => clock }),
    });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock += 1000; // one request a second: the first leaves the window at 61 s
      const res = await t.generate(SMALL);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const before = await t.application.core.ledger.balance(t.accountId);

    clock += 10_000; // 14 s after the first request
    const refused = await Promise.all(Array.from({ length: 7 }, () => t!.generate(SMALL)));
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('46');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(res.headers.get('x-ratelimit-reset')).toBe('46');
      const err = await errorOf(res);
      expect(err.code).toBe('rate_limit_exceeded');
      expect(err.retry_after).toBe(46);
    }
    // Refused requests reserved nothing.
    expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);

    clock += 46_000; // the first request has left the window: exactly one more passes
    expect((await t.generate(SMALL)).status).toBe(200);
    expect((await t.generate(SMALL)).status).toBe(429);
  });

  it('a burst gets exactly limit successes and the rest 429', async () => {
    t = await createTestApp({ env: { GOODTAKE_RATE_LIMIT_RPM: '8' } });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t!.generate({ ...SMALL, prompt: '' })),
    );
    // Invalid bodies still count as requests: 8 get their 400, 12 are limited.
    expect(results.filter((r) => r.status === 400)).toHaveLength(8);
    expect(results.filter((r) => r.status === 429)).toHaveLength(12);
  });

  it('honours a per-key override and leaves other keys alone', async () => {
    t = await createTestApp({ env: { GOODTAKE_RATE_LIMIT_RPM: '100' } });
    const limited = await t.createAccount(100, { rpm: 2 });
    const send = (key: string) =>
      t!.request('/api/v1/bytedance/generate-image', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(SMALL),
      });
    expect((await send(limited.key)).status).toBe(200);
    expect((await send(limited.key)).status).toBe(200);
    const third = await send(limited.key);
    expect(third.status).toBe(429);
    expect(third.headers.get('x-ratelimit-limit')).toBe('2');
    const other = await send(t.key);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-limit')).toBe('100');
  });
});

describe('concurrent generations', () => {
  it('refuses exactly the generations over the limit, and frees slots when they finish', async () => {
    t = await createTestApp({
      env: { GOODTAKE_RATE_LIMIT_CONCURRENCY: '2' },
      provider: createOfflineProvider({ delayMs: 400 }),
    });
    const before = await t.application.core.ledger.balance(t.accountId);
    const results = await Promise.all(Array.from({ length: 6 }, () => t!.generate(SMALL)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(2);
    expect(limited).toHaveLength(4);
    for (const res of limited) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await errorOf(res)).code).toBe('rate_limit_exceeded');
    }
    const after = await t.application.core.ledger.balance(t.accountId);
    expect(before!.balance - after!.balance).toBe(2 * 3);
    expect(after!.reserved).toBe(0);
    // Both slots are free again.
    const next = await Promise.all([t.generate(SMALL), t.generate(SMALL)]);
    expect(next.map((r) => r.status)).toEqual([200, 200]);
  });
});
