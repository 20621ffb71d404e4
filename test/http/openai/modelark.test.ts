import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModelArk } from '../../../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../../../src/providers/modelark/fake/types.ts';
import { PROMPT_DIRECTIVES } from '../../../src/providers/modelark/request-body.ts';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { type ImagesResponse, postJson } from './helpers.ts';

// The OpenAI mapping as it reaches ModelArk (the local fake that validates Ark's protocol):
// style becomes the prompt modes' directives, OpenAI sizes the smallest valid upstream size
// of the same shape, resized back to exactly the size asked.

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

const sent = () => fake.generations().map((g) => g.body as { prompt: string; size: string });

describe('OpenAI requests on ModelArk', () => {
  it.each([
    ['vivid', PROMPT_DIRECTIVES.creative],
    ['natural', PROMPT_DIRECTIVES.precise],
  ])('style %s sends the matching prompt directive', async (style, directive) => {
    const res = await postJson(t, '/v1/images/generations', {
      prompt: 'a harbour at dawn',
      style,
      size: '1024x1024',
    });
    expect(res.status).toBe(200);
    expect(sent()[0]!.prompt).toBe(`a harbour at dawn\n\n${directive}`);
  });

  it.each([
    ['seedream-4-5-251128', '1536x1024', 3 / 2, 3_686_400],
    ['seedream-4-5-251128', '1024x1536', 2 / 3, 3_686_400],
    ['seedream-4-0-250828', '1536x1024', 3 / 2, 921_600],
  ])(
    '%s at %s: generated upstream at the same shape, delivered exactly',
    async (model, size, ratio, min) => {
      const res = await postJson(t, '/v1/images/generations', {
        prompt: 'a harbour at dawn',
        model,
        size,
        response_format: 'b64_json',
      });
      const body = (await res.json()) as ImagesResponse;
      const [uw, uh] = sent()[0]!.size.split('x').map(Number) as [number, number];
      expect(uw * uh).toBeGreaterThanOrEqual(min);
      expect(Math.abs(uw / uh - ratio)).toBeLessThan(0.01);
      const meta = await sharp(Buffer.from(body.data[0]!.b64_json!, 'base64')).metadata();
      expect(`${meta.width}x${meta.height}`).toBe(size);
    },
  );

  it('quality with size auto sends the resolution class', async () => {
    await postJson(t, '/v1/images/generations', {
      prompt: 'a harbour at dawn',
      model: 'seedream-4-0-250828',
      quality: 'high',
    });
    expect(sent()[0]!.size).toBe('4K');
  });
});
