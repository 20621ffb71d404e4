import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../../src/providers/offline/offline-provider.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

const BODY = {
  prompt: 'idempotent lighthouse',
  model: 'seedream-4-0-250828',
  size: '1K',
  number_of_images: 2,
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ provider: createOfflineProvider({ delayMs: 300 }) });
});
afterAll(() => t.close());

const balance = async () => (await t.application.core.ledger.balance(t.accountId))!;

describe('Idempotency-Key', () => {
  it('replays the first response: same images, one charge', async () => {
    const before = await balance();
    const first = await t.generate(BODY, { 'Idempotency-Key': 'replay-1' });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    // Same body, keys in another order: still the same request.
    const again = await t.generate(
      { size: '1K', number_of_images: 2, prompt: BODY.prompt, model: BODY.model },
      { 'Idempotency-Key': 'replay-1' },
    );
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    const after = await balance();
    expect(before.balance - after.balance).toBe(2 * 3);
  });

  it('replays base64 too, byte for byte', async () => {
    const body = { ...BODY, number_of_images: 1, include_base64_encoding: true };
    const first = await (await t.generate(body, { 'Idempotency-Key': 'b64' })).json();
    const again = await (await t.generate(body, { 'Idempotency-Key': 'b64' })).json();
    expect(again.data.images[0].base64).toBe(first.data.images[0].base64);
  });

  it('makes a concurrent duplicate wait for the first and charges once', async () => {
    const before = await balance();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.generate(BODY, { 'Idempotency-Key': 'concurrent-1' })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = await Promise.all(results.map((r) => r.json()));
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    const after = await balance();
    expect(before.balance - after.balance).toBe(2 * 3);
    expect(after.reserved).toBe(0);
  });

  it('refuses the same key with a different body with 409 idempotency_conflict', async () => {
    expect((await t.generate(BODY, { 'Idempotency-Key': 'conflict-1' })).status).toBe(200);
    const before = await balance();
    const other = await t.generate(
      { ...BODY, prompt: 'something else' },
      { 'Idempotency-Key': 'conflict-1' },
    );
    expect(other.status).toBe(409);
    expect((await errorOf(other)).code).toBe('idempotency_conflict');
    expect(await balance()).toEqual(before);
  });

  it('keys are per account', async () => {
    const other = await t.createAccount(100);
    const res = await t.request('/api/v1/bytedance/generate-image', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${other.key}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'replay-1',
      },
      body: JSON.stringify({ ...BODY, prompt: 'a different account, the same key' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not keep a failed request: a retry with the same key runs again', async () => {
    const poor = await t.createAccount(2);
    const send = () =>
      t.request('/api/v1/bytedance/generate-image', {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${poor.key}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': 'after-top-up',
        },
        body: JSON.stringify({ ...BODY, number_of_images: 1 }),
      });
    expect((await send()).status).toBe(403);
    await t.application.core.ledger.grant(poor.accountId, 10, 'top-up');
    expect((await send()).status).toBe(200);
  });

  it('rejects a malformed key', async () => {
    const res = await t.generate(BODY, { 'Idempotency-Key': 'x'.repeat(256) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe('Idempotency-Key');
  });
});
