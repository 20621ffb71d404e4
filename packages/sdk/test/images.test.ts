import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoodTake, toBytes } from '../src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;
beforeAll(async () => {
  server = await startTestServer();
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
});
afterAll(() => server.stop());

async function dimensionsOf(bytes: Uint8Array) {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

describe('images.generate against the real server', () => {
  it('generates with only a prompt: Seedream 4.5 at 2K, one image, its bytes a real JPEG', async () => {
    const result = await client.images.generate({ prompt: 'A red kite over a hill' });
    expect(result.model).toBe('seedream-4-5-251128');
    expect(result.prompt).toBe('A red kite over a hill');
    expect(result.images).toHaveLength(1);
    expect(result.credits_used).toBe(4);
    expect(result.id).toMatch(/^gen_/);
    const image = result.images[0]!;
    expect(image.base64).toBeUndefined();
    expect(await dimensionsOf(await image.bytes())).toEqual({
      width: image.width,
      height: image.height,
      format: 'jpeg',
    });
    expect([image.width, image.height]).toEqual([2048, 2048]);
  });

  it('serves the legacy model at its own sizes, n images, with base64 equal to the URL bytes', async () => {
    const result = await client.images.generate({
      prompt: 'A serene forest path with morning mist',
      model: 'seedream-4-0-250828',
      size: '1024x768',
      number_of_images: 2,
      optimize_prompt_mode: 'precise',
      include_base64_encoding: true,
    });
    expect(result.images).toHaveLength(2);
    expect(result.credits_used).toBe(6);
    for (const image of result.images) {
      expect(image.base64).toMatch(/^data:image\/jpeg;base64,/);
      const inline = await image.bytes();
      const downloaded = await toBytes({ url: image.url }, client);
      expect(Buffer.from(inline).equals(Buffer.from(downloaded))).toBe(true);
      expect(await dimensionsOf(inline)).toMatchObject({ width: 1024, height: 768 });
    }
  });

  it('keeps bytes() out of the JSON, so the data serialises as the wire body', async () => {
    const { data, body } = await client.images.generate({ prompt: 'A teapot' }).withResponse();
    expect(JSON.parse(JSON.stringify(data))).toEqual((body as { data: unknown }).data);
    expect(Object.keys(data.images[0]!)).toEqual(['url', 'width', 'height']);
  });

  it('blends a data URI source image', async () => {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } },
    })
      .png()
      .toBuffer();
    const result = await client.images.generate({
      prompt: 'Make it look like a watercolour',
      model: 'seedream-4-0-250828',
      size: '1920x1080',
      image_urls: [`data:image/png;base64,${png.toString('base64')}`],
    });
    expect(result.images[0]).toMatchObject({ width: 1920, height: 1080 });
  });

  it('reports the request id and rate-limit headers through withResponse()', async () => {
    const { data, requestId, rateLimit, response } = await client.images
      .generate({ prompt: 'A paper boat' })
      .withResponse();
    expect(data.images).toHaveLength(1);
    expect(requestId).toBe(response.headers.get('x-request-id'));
    expect(requestId).toBeTruthy();
    expect(rateLimit).toEqual({
      limit: 60,
      remaining: expect.any(Number),
      reset: expect.any(Number),
    });
    expect(rateLimit!.remaining).toBeLessThan(60);
  });

  it('replays a call repeated with the same idempotencyKey, charging once', async () => {
    const before = await client.account.retrieve();
    const params = { prompt: 'A single charge', model: 'seedream-4-0-250828', size: '1K' } as const;
    const first = await client.images.generate(params, { idempotencyKey: 'sdk-test-replay-1' });
    const again = await client.images
      .generate(params, { idempotencyKey: 'sdk-test-replay-1' })
      .withResponse();
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data.id).toBe(first.id);
    expect(again.data.images.map((i) => i.url)).toEqual(first.images.map((i) => i.url));
    const after = await client.account.retrieve();
    expect(before.balance - after.balance).toBe(3);
  });

  it('sends a fresh key per call, so two identical calls are two generations', async () => {
    const params = { prompt: 'Twice', model: 'seedream-4-0-250828', size: '1K' } as const;
    const a = await client.images.generate(params);
    const b = await client.images.generate(params);
    expect(a.id).not.toBe(b.id);
  });
});
