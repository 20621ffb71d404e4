import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateImage } from 'ai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { listen } from '../helpers/listen.ts';

// The Vercel AI SDK's image generation through its OpenAI-compatible provider, pointed at a
// real goodtake server over HTTP.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let goodtake: ReturnType<typeof createOpenAICompatible>;
beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  goodtake = createOpenAICompatible({
    name: 'goodtake',
    baseURL: `${server.url}/v1`,
    apiKey: t.key,
  });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

describe('Vercel AI SDK generateImage', () => {
  it('generates n images at an exact size (downloading the returned URLs)', async () => {
    const before = (await t.application.core.ledger.balance(t.accountId))!;
    const { images, usage } = await generateImage({
      model: goodtake.imageModel('seedream-4-0-250828'),
      prompt: 'A serene forest path',
      n: 2,
      size: '1024x1024',
    });
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(image.mediaType).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(image.uint8Array)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 1024]);
    }
    expect(usage.outputTokens).toBe(2 * 4096);
    const after = (await t.application.core.ledger.balance(t.accountId))!;
    expect(before.balance - after.balance).toBe(2 * 3);
  });

  it('passes OpenAI fields through providerOptions (b64_json, output_format, user)', async () => {
    const { images } = await generateImage({
      model: goodtake.imageModel('seedream-4-5-251128'),
      prompt: 'A lighthouse at night',
      size: '1536x1024',
      providerOptions: {
        goodtake: { response_format: 'b64_json', output_format: 'png', user: 'ai-sdk-user' },
      },
    });
    const meta = await sharp(Buffer.from(images[0]!.uint8Array)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1536, 1024]);
    const row = await t.application.core.database.db
      .selectFrom('generations')
      .select(['end_user'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.end_user).toBe('ai-sdk-user');
  });

  it('edits images given in the prompt (multipart image[])', async () => {
    const png = await sharp({
      create: { width: 80, height: 80, channels: 3, background: '#e0a030' },
    })
      .png()
      .toBuffer();
    const { images } = await generateImage({
      model: goodtake.imageModel('seedream-4-0-250828'),
      prompt: { text: 'Combine these', images: [new Uint8Array(png), new Uint8Array(png)] },
      size: '1024x1024',
    });
    const meta = await sharp(Buffer.from(images[0]!.uint8Array)).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
    const row = await t.application.core.database.db
      .selectFrom('generations')
      .select(['blend'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.blend).toBe(1);
  });

  it('surfaces a refusal as an APICallError with the message', async () => {
    const err = await generateImage({
      model: goodtake.imageModel('dall-e-3'),
      prompt: 'A lighthouse',
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    const e = err as APICallError;
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("model 'dall-e-3' is an OpenAI model");
    expect(e.isRetryable).toBe(false);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});
