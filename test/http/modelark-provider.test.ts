import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../../src/providers/modelark/fake/types.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

// goodtake end to end with BytePlus ModelArk as the provider, the upstream being the local fake
// that speaks (and validates) Ark's wire protocol.
let fake: FakeModelArk;
let t: TestApp;
beforeAll(async () => {
  fake = await startFakeModelArk({ latencyMs: 0 });
  t = await createTestApp({
    env: { ARK_API_KEY: fake.apiKey, ARK_BASE_URL: fake.url, ARK_MAX_RETRIES: '0' },
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

const balance = async () => (await t.application.core.ledger.balance(t.accountId))!;

describe('goodtake on ModelArk (fake upstream)', () => {
  it('uses the modelark provider', async () => {
    expect([...t.application.providers.keys()]).toEqual(['modelark']);
    expect(t.application.providers.get('modelark')?.describe()).toContain(fake.url);
  });

  it('sends one single-image call per image, without a watermark, and re-hosts every output', async () => {
    const res = await t.generate({
      prompt: 'a harbour at dawn',
      number_of_images: 3,
      size: '2560x1440',
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data.images).toHaveLength(3);
    const sent = fake.generations().map((g) => g.body as Record<string, unknown>);
    expect(sent).toHaveLength(3);
    for (const b of sent) {
      expect(b).toMatchObject({
        model: 'seedream-4-5-251128',
        size: '2560x1440',
        watermark: false,
        response_format: 'url',
        sequential_image_generation: 'disabled',
      });
      expect(b).not.toHaveProperty('n');
      expect(b).not.toHaveProperty('seed');
    }
    for (const image of body.data.images) {
      expect(image.url).toMatch(/^http:\/\/goodtake\.test\/images\//);
      expect(image.url).not.toContain('X-Tos');
      const img = await t.request(new URL(image.url).pathname);
      const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2560, 1440]);
    }
  });

  it.each([
    ['seedream-4-0-250828', '512x512', 512, 512],
    ['seedream-4-0-250828', '1024x768', 1024, 768],
    ['seedream-4-0-250828', '1080x1920', 1080, 1920],
  ])(
    'fulfils %s %s (below the upstream minimum) at exactly that size',
    async (model, size, w, h) => {
      const res = await t.generate({ prompt: 'a fox', model, size, include_base64_encoding: true });
      expect(res.status).toBe(200);
      const image = (await res.json()).data.images[0];
      expect([image.width, image.height]).toEqual([w, h]);
      const bytes = Buffer.from(image.base64.split(',')[1], 'base64');
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([w, h]);
      const upstreamSize = (fake.generations()[0]!.body as { size: string }).size;
      const [uw, uh] = upstreamSize.split('x').map(Number);
      expect(uw! * uh!).toBeGreaterThanOrEqual(921_600);
      expect(Math.abs(uw! / uh! - w / h)).toBeLessThan(0.01);
    },
  );

  it('fulfils 4.5 1K from a 2K upstream image, delivering about one megapixel', async () => {
    const res = await t.generate({ prompt: 'a square logo', size: '1K' });
    const image = (await res.json()).data.images[0];
    expect((fake.generations()[0]!.body as { size: string }).size).toBe('2K');
    expect(image.width * image.height).toBeLessThan(1.5 * 1024 * 1024);
    expect(image.width * image.height).toBeGreaterThan(0.6 * 1024 * 1024);
  });

  it('charges only the delivered images when the upstream refuses some', async () => {
    const before = await balance();
    fake.script({
      status: 400,
      code: 'OutputImageSensitiveContentDetected',
      message: 'The request failed because the output image may contain sensitive information.',
    });
    const res = await t.generate({
      prompt: 'three kites',
      number_of_images: 3,
      model: 'seedream-4-0-250828',
      size: '2K',
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.images).toHaveLength(2);
    expect(before.balance - (await balance()).balance).toBe(2 * 3);
  });

  it('maps moderation of every image to 400 content_policy_violation, free, without upstream detail', async () => {
    const before = await balance();
    const res = await t.generate({ prompt: 'something [[fake:input_text_sensitive]]', size: '2K' });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('content_policy_violation');
    expect(err.message).not.toMatch(/request id/i);
    expect(await balance()).toEqual(before);
  });

  it('maps an upstream auth failure to 502 upstream_error', async () => {
    fake.script({
      status: 401,
      code: 'AuthenticationError',
      message: 'the API key or AK/SK in the request is missing or invalid. request id: 0217abc',
    });
    const res = await t.generate({ prompt: 'x', size: '2K' });
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err.code).toBe('upstream_error');
    expect(err.message).not.toContain('0217abc');
  });

  it('maps an exhausted upstream rate limit to 503 with retry_after, and costs nothing', async () => {
    const before = await balance();
    fake.script({
      status: 429,
      code: 'ModelAccountIpmRateLimitExceeded',
      message: 'IPM exceeded',
      retryAfter: 7,
    });
    const res = await t.generate({ prompt: 'x', size: '2K' });
    expect(res.status).toBe(503);
    const err = await errorOf(res);
    expect(err.code).toBe('service_unavailable');
    expect(err.retry_after).toBeGreaterThanOrEqual(7);
    expect(res.headers.get('retry-after')).toBe(String(err.retry_after));
    expect(await balance()).toEqual(before);
  });

  it('sends blend-mode sources to the upstream as data URIs', async () => {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#3080f0' },
    })
      .png()
      .toBuffer();
    const res = await t.generate({
      prompt: 'make it noir',
      size: '2K',
      image_urls: [`data:image/png;base64,${png.toString('base64')}`],
    });
    expect(res.status).toBe(200);
    const sent = fake.generations()[0]!.body as { image: string };
    expect(sent.image).toMatch(/^data:image\/png;base64,/);
  });
});
