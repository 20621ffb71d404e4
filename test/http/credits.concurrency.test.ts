import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../../src/providers/offline/offline-provider.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ provider: createOfflineProvider({ delayMs: 50 }) });
});
afterAll(() => t.close());

describe('credits under concurrency', () => {
  it('delivers exactly the affordable images, whatever the interleaving', async () => {
    const PRICE = 3; // seedream-4-0-250828
    const K = 17; // images the account can pay for
    const account = await t.createAccount(K * PRICE + 2); // +2: a remainder no image fits in
    const sizes = Array.from({ length: 40 }, (_, i) => (i % 4) + 1); // 100 images asked for
    const results = await Promise.all(
      sizes.map((n, i) =>
        t.request('/api/v1/bytedance/generate-image', {
          method: 'POST',
          headers: { Authorization: `Bearer ${account.key}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            prompt: `race ${i}`,
            model: 'seedream-4-0-250828',
            size: '512x512',
            number_of_images: n,
          }),
        }),
      ),
    );
    let delivered = 0;
    let smallestRefused = Number.POSITIVE_INFINITY;
    for (const [i, res] of results.entries()) {
      if (res.status === 200) {
        const body = await res.json();
        expect(body.data.images).toHaveLength(sizes[i]!);
        delivered += body.data.images.length;
      } else {
        expect(res.status).toBe(403);
        expect((await res.json()).error.code).toBe('insufficient_credits');
        smallestRefused = Math.min(smallestRefused, sizes[i]!);
      }
    }
    const balance = (await t.application.core.ledger.balance(account.accountId))!;
    expect(balance.reserved).toBe(0);
    expect(balance.balance).toBe(K * PRICE + 2 - delivered * PRICE);
    expect(balance.balance).toBeGreaterThanOrEqual(0);
    // No generation fails here, so what is available only ever shrinks: every refusal was
    // right only if what is left still cannot pay for the smallest refused request.
    expect(balance.balance).toBeLessThan(smallestRefused * PRICE);
    expect(delivered).toBeLessThanOrEqual(K);
    expect(delivered).toBeGreaterThan(K - 4);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('single-image requests spend the balance down to exactly zero', async () => {
    const account = await t.createAccount(4 * 12);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.request('/api/v1/bytedance/generate-image', {
          method: 'POST',
          headers: { 'X-API-Key': account.key, 'Content-Type': 'application/json' },
          body: JSON.stringify({ prompt: `exact ${i}`, size: '1K' }),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(12);
    expect(results.filter((r) => r.status === 403)).toHaveLength(18);
    const balance = (await t.application.core.ledger.balance(account.accountId))!;
    expect(balance).toMatchObject({ balance: 0, reserved: 0, available: 0 });
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});
