import { afterAll, describe, expect, it } from 'vitest';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import type { ImageProvider } from '../../src/providers/provider.ts';
import { createTestApp, errorOf } from '../helpers/harness.ts';

// The 5xx rows of the contract's error table, each free of charge.

describe('5xx errors', () => {
  it('a provider bug is a 500 internal_error that reveals nothing and costs nothing', async () => {
    const broken: ImageProvider = {
      id: 'broken',
      describe: () => 'a provider with a bug',
      generate: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'secret')");
      },
    };
    const t = await createTestApp({ provider: broken });
    try {
      const res = await t.generate({ prompt: 'x', size: '1K' });
      expect(res.status).toBe(500);
      const err = await errorOf(res);
      expect(err.code).toBe('internal_error');
      expect(err.message).toBe('An internal error occurred');
      expect(await t.application.core.ledger.balance(t.accountId)).toMatchObject({
        balance: 1000,
        reserved: 0,
      });
    } finally {
      await t.close();
    }
  });

  describe('with ModelArk too slow to answer', () => {
    let fake: Awaited<ReturnType<typeof startFakeModelArk>> | undefined;
    afterAll(() => fake?.close());

    it('a timed-out upstream is a 504 upstream_timeout, not retried, free', async () => {
      fake = await startFakeModelArk({ latencyMs: 4000 });
      const t = await createTestApp({
        env: { ARK_API_KEY: fake.apiKey, ARK_BASE_URL: fake.url, ARK_REQUEST_TIMEOUT_MS: '1000' },
      });
      try {
        const res = await t.generate({ prompt: 'slow', size: '2K' });
        expect(res.status).toBe(504);
        expect((await errorOf(res)).code).toBe('upstream_timeout');
        expect(fake.generations()).toHaveLength(1);
        expect(await t.application.core.ledger.balance(t.accountId)).toMatchObject({
          balance: 1000,
          reserved: 0,
        });
      } finally {
        await t.close();
      }
    });
  });

  it('while shutting down, new API requests get 503 service_unavailable with retry_after', async () => {
    const t = await createTestApp();
    try {
      t.application.beginShutdown();
      const res = await t.generate({ prompt: 'x', size: '1K' });
      expect(res.status).toBe(503);
      expect(res.headers.get('connection')).toBe('close');
      const err = await errorOf(res);
      expect(err.code).toBe('service_unavailable');
      expect(err.retry_after).toBe(5);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await t.request('/healthz')).status).toBe(503);
    } finally {
      await t.close();
    }
  });
});
