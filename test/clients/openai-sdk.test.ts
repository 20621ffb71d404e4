import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRequestLimiter } from '../../src/ratelimit/memory-limiter.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { listen } from '../helpers/listen.ts';

// The official `openai` npm package, unchanged but for its base URL and key, against a real
// goodtake server over HTTP.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let client: OpenAI;
let png: Buffer;
beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  client = new OpenAI({ apiKey: t.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  png = await sharp({ create: { width: 128, height: 96, channels: 3, background: '#3a7d44' } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('openai SDK: images.generate', () => {
  it('returns a URL by default', async () => {
    const result = await client.images.generate({
      model: 'seedream-4-0-250828',
      prompt: 'A serene forest path',
      size: '1024x1024',
    });
    expect(result.data).toHaveLength(1);
    expect(result.created).toBeGreaterThan(0);
    expect(result.usage?.total_tokens).toBe(4096);
    const bytes = await download(result.data![0]!.url!);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 1024]);
  });

  it('returns n=2 images as b64_json', async () => {
    const result = await client.images.generate({
      model: 'seedream-4-5-251128',
      prompt: 'Two lighthouses on a rocky coast',
      n: 2,
      size: '1536x1024',
      response_format: 'b64_json',
      output_format: 'webp',
    });
    expect(result.data).toHaveLength(2);
    expect(result.output_format).toBe('webp');
    for (const image of result.data!) {
      const meta = await sharp(Buffer.from(image.b64_json!, 'base64')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1536, 1024]);
    }
  });

  it('streams image_generation events', async () => {
    const stream = await client.images.generate({
      model: 'seedream-4-0-250828',
      prompt: 'A lighthouse at dusk',
      size: '1024x1536',
      n: 2,
      stream: true,
      partial_images: 1,
    });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'image_generation.completed',
      'image_generation.completed',
    ]);
    for (const event of events) {
      if (event.type !== 'image_generation.completed') continue;
      expect(event.size).toBe('1024x1536');
      const meta = await sharp(Buffer.from(event.b64_json, 'base64')).metadata();
      expect([meta.width, meta.height]).toEqual([1024, 1536]);
    }
  });
});

describe('openai SDK: images.edit', () => {
  it('uploads one file through toFile', async () => {
    const result = await client.images.edit({
      model: 'seedream-4-0-250828',
      image: await toFile(png, 'garden.png', { type: 'image/png' }),
      prompt: 'Turn this into a watercolour',
      size: '1024x1024',
    });
    const bytes = await download(result.data![0]!.url!);
    expect((await sharp(bytes).metadata()).width).toBe(1024);
  });

  it('uploads several files (image[]) and streams image_edit events', async () => {
    const images = await Promise.all([
      toFile(png, 'a.png', { type: 'image/png' }),
      toFile(png, 'b.png', { type: 'image/png' }),
    ]);
    const result = await client.images.edit({
      model: 'seedream-4-5-251128',
      image: images,
      prompt: 'Combine these into one scene',
      response_format: 'b64_json',
      size: '1024x1024',
    });
    expect(result.data![0]!.b64_json).toBeTruthy();
    const stream = await client.images.edit({
      model: 'seedream-4-5-251128',
      image: await toFile(png, 'c.png', { type: 'image/png' }),
      prompt: 'Make it snow',
      size: '1024x1024',
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_edit.completed']);
  });
});

describe('openai SDK: typed errors', () => {
  it('AuthenticationError for a bad key', async () => {
    const bad = new OpenAI({ apiKey: 'gt_wrong', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const err = await bad.images.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('BadRequestError naming the param', async () => {
    const err = await client.images
      .generate({ model: 'dall-e-3', prompt: 'A lighthouse' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect([e.status, e.param, e.code, e.type]).toEqual([
      400,
      'model',
      'model_not_found',
      'invalid_request_error',
    ]);
    expect(e.message).toContain('seedream-4-5-251128');
  });

  it('BadRequestError for an upload over 10 MB, answered while the client still sends', async () => {
    const big = Buffer.concat([png, Buffer.alloc(11 * 1024 * 1024, 7)]);
    const err = await client.images
      .edit({
        model: 'seedream-4-0-250828',
        image: await toFile(big, 'huge.png', { type: 'image/png' }),
        prompt: 'Edit',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect([e.param, e.code]).toEqual(['image', 'image_too_large']);
  });

  it('RateLimitError with the wait for a rate limit', async () => {
    const limited = await createTestApp({
      env: { GOODTAKE_RATE_LIMIT_RPM: '1' },
      requestLimiter: createMemoryRequestLimiter({ now: () => 5_000_000 }),
    });
    const limitedServer = await listen(limited);
    try {
      const c = new OpenAI({
        apiKey: limited.key,
        baseURL: `${limitedServer.url}/v1`,
        maxRetries: 0,
      });
      await c.images.generate({ prompt: 'a lighthouse', size: '1K' as '1024x1024' });
      const err = await c.images
        .generate({ prompt: 'a lighthouse', size: '1K' as '1024x1024' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const e = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect([e.code, e.type]).toEqual(['rate_limit_exceeded', 'requests']);
      expect(e.headers.get('retry-after')).toBe('60');
    } finally {
      await limitedServer.close();
      await limited.close();
    }
  });

  it('RateLimitError insufficient_quota for an empty balance, which the SDK does not retry', async () => {
    const poor = await t.createAccount(2);
    let calls = 0;
    const retrying = new OpenAI({
      apiKey: poor.key,
      baseURL: `${server.url}/v1`,
      maxRetries: 2,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const err = await retrying.images.generate({ prompt: 'a lighthouse' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect(calls).toBe(1);
  });

  it('leaves the books exact', async () => {
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});
