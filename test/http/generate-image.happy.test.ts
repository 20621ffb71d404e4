import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Success {
  status: string;
  data: {
    images: Array<{ url: string; width: number; height: number; base64?: string }>;
    generation_time_ms: number;
    model: string;
    prompt: string;
    id: string;
    credits_used: number;
  };
}

async function fetchImage(url: string): Promise<{ res: Response; bytes: Buffer }> {
  const res = await t.request(new URL(url).pathname);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('POST /api/v1/bytedance/generate-image', () => {
  it('works with only a prompt and applies every default', async () => {
    const res = await t.generate({ prompt: 'A beautiful sunset over mountains' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const body = (await res.json()) as Success;
    expect(body.status).toBe('success');
    expect(body.data.model).toBe('seedream-4-5-251128');
    expect(body.data.prompt).toBe('A beautiful sunset over mountains');
    expect(body.data.images).toHaveLength(1);
    const [image] = body.data.images;
    expect(image!.base64).toBeUndefined();
    // 2K auto with no aspect words: the square 2K preset.
    expect([image!.width, image!.height]).toEqual([2048, 2048]);
    expect(body.data.generation_time_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(body.data.generation_time_ms)).toBe(true);
    expect(body.data.credits_used).toBe(4);
  });

  it('serves the image from its own URL with true type, strong ETag and immutable caching', async () => {
    const res = await t.generate({
      prompt: 'A serene forest path',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
    });
    const body = (await res.json()) as Success;
    const url = body.data.images[0]!.url;
    expect(url).toMatch(/^http:\/\/goodtake\.test\/images\/[A-Za-z0-9]{24}\.jpg$/);
    const { res: img, bytes } = await fetchImage(url);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect(img.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = img.headers.get('etag')!;
    expect(etag).toBe(`"${createHash('sha256').update(bytes).digest('base64url')}"`);
    expect(Number(img.headers.get('content-length'))).toBe(bytes.length);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 1024]);
    const again = await t.request(new URL(url).pathname, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
  });

  it('returns a base64 data URI of exactly the bytes the URL serves, of the reported size', async () => {
    const res = await t.generate({
      prompt: 'A futuristic robot in a laboratory',
      include_base64_encoding: true,
      number_of_images: 2,
      size: '1K',
    });
    // Streamed in pieces (each image is larger than one piece), with its exact length declared.
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text) as Success;
    expect(body.data.images).toHaveLength(2);
    for (const image of body.data.images) {
      expect(image.base64).toMatch(/^data:image\/jpeg;base64,/);
      const decoded = Buffer.from(image.base64!.slice('data:image/jpeg;base64,'.length), 'base64');
      const { bytes } = await fetchImage(image.url);
      expect(decoded.equals(bytes)).toBe(true);
      const meta = await sharp(decoded).metadata();
      expect([meta.width, meta.height]).toEqual([image.width, image.height]);
    }
    expect(body.data.images[0]!.url).not.toBe(body.data.images[1]!.url);
  });

  it.each([
    ['seedream-4-5-251128', '2048x2048', 2048, 2048],
    ['seedream-4-5-251128', '2304x1728', 2304, 1728],
    ['seedream-4-5-251128', '1728x2304', 1728, 2304],
    ['seedream-4-5-251128', '2560x1440', 2560, 1440],
    ['seedream-4-5-251128', '1440x2560', 1440, 2560],
    ['seedream-4-5-251128', '2496x1664', 2496, 1664],
    ['seedream-4-5-251128', '1664x2496', 1664, 2496],
    ['seedream-4-5-251128', '3024x1296', 3024, 1296],
    ['seedream-4-0-250828', '512x512', 512, 512],
    ['seedream-4-0-250828', '768x768', 768, 768],
    ['seedream-4-0-250828', '1024x1024', 1024, 1024],
    ['seedream-4-0-250828', '1024x768', 1024, 768],
    ['seedream-4-0-250828', '768x1024', 768, 1024],
    ['seedream-4-0-250828', '1920x1080', 1920, 1080],
    ['seedream-4-0-250828', '1080x1920', 1080, 1920],
  ])('%s at %s delivers exactly %ix%i', async (model, size, width, height) => {
    const res = await t.generate({ prompt: 'a lighthouse on a cliff', model, size });
    expect(res.status).toBe(200);
    const image = ((await res.json()) as Success).data.images[0]!;
    expect([image.width, image.height]).toEqual([width, height]);
    const { bytes } = await fetchImage(image.url);
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([width, height]);
  });

  it.each([
    ['seedream-4-5-251128', '1K', 'a portrait of a violinist', 864, 1152],
    ['seedream-4-5-251128', '2k', 'a widescreen desert road', 2848, 1600],
    ['seedream-4-0-250828', '2K', 'A beautiful sunset over mountains', 2048, 2048],
    ['seedream-4-0-250828', '1k', 'a mobile wallpaper of stars', 736, 1312],
  ])('%s auto size %s picks the aspect from the prompt', async (model, size, prompt, w, h) => {
    const res = await t.generate({ prompt, model, size });
    expect(res.status).toBe(200);
    const image = ((await res.json()) as Success).data.images[0]!;
    expect([image.width, image.height]).toEqual([w, h]);
  });

  it('4K delivers the 4K preset', async () => {
    const res = await t.generate({ prompt: 'a cinematic panorama of a glacier', size: '4K' });
    const image = ((await res.json()) as Success).data.images[0]!;
    expect([image.width, image.height]).toEqual([6240, 2656]);
  });

  it.each(['standard', 'creative', 'precise'])('accepts optimize_prompt_mode %s', async (mode) => {
    const res = await t.generate({
      prompt: 'a red bicycle',
      optimize_prompt_mode: mode,
      size: '1K',
    });
    expect(res.status).toBe(200);
  });

  it.each([1, 2, 3, 4])(
    'number_of_images %i gives that many distinct images, charged each',
    async (n) => {
      const before = (await t.application.core.ledger.balance(t.accountId))!.balance;
      const res = await t.generate({
        prompt: 'a koi pond',
        number_of_images: n,
        model: 'seedream-4-0-250828',
        size: '1K',
      });
      const body = (await res.json()) as Success;
      expect(body.data.images).toHaveLength(n);
      expect(new Set(body.data.images.map((i) => i.url)).size).toBe(n);
      expect(body.data.credits_used).toBe(3 * n);
      const after = (await t.application.core.ledger.balance(t.accountId))!;
      expect(before - after.balance).toBe(3 * n);
      expect(after.reserved).toBe(0);
    },
  );

  it('accepts X-API-Key, and Authorization wins when both are sent', async () => {
    const viaHeader = await t.request('/api/v1/bytedance/generate-image', {
      method: 'POST',
      headers: { 'X-API-Key': t.key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', size: '1K' }),
    });
    expect(viaHeader.status).toBe(200);
    const both = await t.request('/api/v1/bytedance/generate-image', {
      method: 'POST',
      headers: {
        Authorization: 'Bearer gt_wrongwrongwrongwrongwrongwrongwrong1',
        'X-API-Key': t.key,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ prompt: 'x', size: '1K' }),
    });
    expect(both.status).toBe(401);
  });

  it('accepts a charset in the content type and an empty image_urls', async () => {
    const res = await t.generate(
      { prompt: 'a quiet harbour', image_urls: [], size: '1K' },
      { 'Content-Type': 'application/json; charset=utf-8' },
    );
    expect(res.status).toBe(200);
  });
});
