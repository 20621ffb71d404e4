import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { GOODTAKE_RATE_LIMIT_RPM: '30', GOODTAKE_RATE_LIMIT_CONCURRENCY: '3' },
  });
});
afterAll(() => t.close());

const get = (path: string, key = t.key) =>
  t.request(path, { headers: { Authorization: `Bearer ${key}` } });

describe('GET /api/v1/account', () => {
  it('shows the balance, limits and prices of the calling key', async () => {
    const res = await get('/api/v1/account');
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data).toMatchObject({
      id: t.accountId,
      name: 'test',
      balance: 1000,
      reserved: 0,
      available: 1000,
      limits: { requests_per_minute: 30, concurrent_generations: 3 },
      prices: { 'seedream-4-5-251128': 4, 'seedream-4-0-250828': 3 },
    });
    expect(data.key.prefix).toBe(t.key.slice(0, 11));
    // Account calls count against the key's per-minute limit and say so.
    expect(res.headers.get('x-ratelimit-limit')).toBe('30');
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(30);
    expect(JSON.stringify(data)).not.toContain(t.key);
  });

  it('requires a key', async () => {
    const res = await t.request('/api/v1/account');
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('unauthorized');
  });
});

describe('GET /api/v1/generations', () => {
  it("lists only the account's own generations, newest first, paginated", async () => {
    const mine = await t.createAccount(100);
    const send = (prompt: string, n: number) =>
      t.request('/api/v1/bytedance/generate-image', {
        method: 'POST',
        headers: { Authorization: `Bearer ${mine.key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          prompt,
          model: 'seedream-4-0-250828',
          size: '512x512',
          number_of_images: n,
        }),
      });
    for (let i = 1; i <= 5; i++) expect((await send(`page ${i}`, (i % 2) + 1)).status).toBe(200);
    expect((await send('refused [[offline:content_policy]]', 1)).status).toBe(400);
    await t.generate({ prompt: 'someone else', size: '1K' });

    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/v1/generations?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(path, mine.key);
      expect(res.status).toBe(200);
      const { data } = await res.json();
      seen.push(...data.generations);
      cursor = data.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(seen.map((g) => g.id)).toEqual([...seen.map((g) => g.id as string)].sort().reverse());
    expect(seen[0]).toMatchObject({
      status: 'failed',
      error_code: 'content_policy_violation',
      images_delivered: 0,
      credits_charged: 0,
      images: [],
    });
    const last = seen[5]!;
    expect(last).toMatchObject({
      model: 'seedream-4-0-250828',
      size: '512x512',
      number_of_images: 2,
      images_delivered: 2,
      credits_reserved: 6,
      credits_charged: 6,
      status: 'succeeded',
    });
    expect(last.images).toHaveLength(2);
    const image = (last.images as Array<{ url: string; width: number }>)[0]!;
    expect(image.width).toBe(512);
    expect((await t.request(new URL(image.url).pathname)).status).toBe(200);
    expect(typeof last.duration_ms).toBe('number');
    // The upstream tries are listed, but not what they cost the operator (unless it says so).
    const attempts = last.attempts as Array<Record<string, unknown>>;
    expect(attempts.map((a) => a.outcome)).toEqual(['ok', 'ok']);
    expect(attempts.some((a) => 'estimated_cost_usd' in a)).toBe(false);
    expect(Date.parse(last.created_at as string)).not.toBeNaN();
  });

  it('filters by since and validates its parameters', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const res = await get(`/api/v1/generations?since=${future}`);
    expect((await res.json()).data.generations).toEqual([]);
    for (const bad of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'since=yesterday',
      'cursor=%%%',
      'cursor=Zm9v',
      'user=',
      `user=${'u'.repeat(257)}`,
    ]) {
      const r = await get(`/api/v1/generations?${bad}`);
      expect(r.status, bad).toBe(400);
      expect((await errorOf(r)).code).toBe('invalid_parameters');
    }
  });

  it('filters by end user (user=), and lists generations without one as user null', async () => {
    const plain = await t.generate({ prompt: 'no end user', size: '1K' });
    expect(plain.status).toBe(200);
    const none = await get('/api/v1/generations?user=nobody-at-all');
    expect((await none.json()).data.generations).toEqual([]);
    const all = (await (await get('/api/v1/generations?limit=1')).json()).data.generations;
    expect(all[0].user).toBeNull();
  });
});
