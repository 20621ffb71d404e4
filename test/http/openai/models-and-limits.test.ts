import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRequestLimiter } from '../../../src/ratelimit/memory-limiter.ts';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { openAiErrorOf, postJson } from './helpers.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const get = (app: TestApp, path: string, key = app.key) =>
  app.request(path, { headers: { Authorization: `Bearer ${key}` } });

describe('GET /v1/models', () => {
  it("lists goodtake's models in OpenAI's list shape", async () => {
    t = await createTestApp();
    const res = await get(t, '/v1/models');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      object: 'list',
      data: [
        {
          id: 'seedream-4-5-251128',
          object: 'model',
          created: Date.UTC(2025, 10, 28) / 1000,
          owned_by: 'bytedance',
        },
        {
          id: 'seedream-4-0-250828',
          object: 'model',
          created: Date.UTC(2025, 7, 28) / 1000,
          owned_by: 'bytedance',
        },
      ],
    });
  });

  it('retrieves one model, and 404s an unknown one in OpenAI shape', async () => {
    t = await createTestApp();
    const one = await get(t, '/v1/models/seedream-4-0-250828');
    expect((await one.json()).id).toBe('seedream-4-0-250828');
    const missing = await get(t, '/v1/models/dall-e-3');
    expect(missing.status).toBe(404);
    expect(await openAiErrorOf(missing)).toMatchObject({
      param: 'model',
      code: 'model_not_found',
      message: "The model 'dall-e-3' does not exist",
    });
  });

  it('needs a key', async () => {
    t = await createTestApp();
    const res = await get(t, '/v1/models', 'gt_nope');
    expect(res.status).toBe(401);
    expect((await openAiErrorOf(res)).code).toBe('invalid_api_key');
  });
});

describe('rate limits in OpenAI shape', () => {
  it('429 rate_limit_exceeded with Retry-After and the limits under OpenAI header names too', async () => {
    let clock = 1_000_000;
    t = await createTestApp({
      env: { GOODTAKE_RATE_LIMIT_RPM: '2' },
      requestLimiter: createMemoryRequestLimiter({ now: () => clock }),
    });
    const app = t;
    const body = { prompt: 'a lighthouse', size: '1K', model: 'seedream-4-0-250828' };
    for (const remaining of ['1', '0']) {
      clock += 1000;
      const res = await postJson(app, '/v1/images/generations', body);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe(remaining);
    }
    const before = await app.application.core.ledger.balance(app.accountId);
    const refused = await postJson(app, '/v1/images/generations', body);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('59');
    expect(refused.headers.get('x-should-retry')).toBeNull();
    expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('59s');
    expect(await openAiErrorOf(refused)).toMatchObject({
      type: 'requests',
      code: 'rate_limit_exceeded',
      param: null,
    });
    expect(await app.application.core.ledger.balance(app.accountId)).toEqual(before);
  });

  it('429 when the key has too many generations in flight', async () => {
    t = await createTestApp({ env: { GOODTAKE_RATE_LIMIT_CONCURRENCY: '1' } });
    const app = t;
    const slow = postJson(app, '/v1/images/generations', {
      prompt: 'a lighthouse [[offline:delay-index=0:1500]]',
      size: '1K',
    });
    // The first holds the key's only slot from before its generation is recorded until its
    // image is drawn: once its row is pending, the slot is taken.
    const db = app.application.core.database.db;
    while (
      !(await db
        .selectFrom('generations')
        .select('id')
        .where('status', '=', 'pending')
        .executeTakeFirst())
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await postJson(app, '/v1/images/generations', { prompt: 'x', size: '1K' });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect((await openAiErrorOf(second)).code).toBe('rate_limit_exceeded');
    expect((await slow).status).toBe(200);
  });
});

describe('body limits in OpenAI shape', () => {
  it('413 payload_too_large for a JSON generation or a multipart edit over the limit', async () => {
    t = await createTestApp({ env: { GOODTAKE_BODY_LIMIT_BYTES: '2048' } });
    const app = t;
    const json = await postJson(app, '/v1/images/generations', {
      prompt: 'a lighthouse '.repeat(300),
    });
    expect(json.status).toBe(413);
    expect((await openAiErrorOf(json)).code).toBe('payload_too_large');
    const form = new FormData();
    form.append('prompt', 'Edit');
    form.append('image', new Blob([new Uint8Array(4096)]), 'a.png');
    // Sent as the encoded bytes, as a client sends them.
    const encoded = new Response(form);
    const multipart = await app.request('/v1/images/edits', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${app.key}`,
        'Content-Type': encoded.headers.get('content-type')!,
      },
      body: await encoded.arrayBuffer(),
    });
    expect(multipart.status).toBe(413);
    expect((await openAiErrorOf(multipart)).code).toBe('payload_too_large');
  });
});
