import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.ts';
import { createFalProvider } from '../../../src/providers/fal/provider.ts';
import type { ImageProvider } from '../../../src/providers/provider.ts';
import { createReplicateProvider } from '../../../src/providers/replicate/provider.ts';
import { createTestApp } from '../../helpers/harness.ts';
import * as fal from '../../providers/fal/helpers.ts';
import * as replicate from '../../providers/replicate/helpers.ts';
import { type ImagesResponse, postJson } from './helpers.ts';

// OpenAI's sizes are delivered exactly whichever upstream generates them: fal.ai and Replicate
// (their local fakes) as well as ModelArk (modelark.test.ts).

// The fakes close after each test (the helpers track them); the app closes its provider.
const log = createLogger('silent');
const providers: Array<[string, () => Promise<ImageProvider>]> = [
  [
    'fal.ai',
    async () => {
      const fake = await fal.startFake();
      return createFalProvider({ apiKey: fake.apiKey, baseUrl: fake.url, log, pollIntervalMs: 7 });
    },
  ],
  [
    'Replicate',
    async () => {
      const fake = await replicate.startFake();
      return createReplicateProvider({
        apiToken: fake.apiToken,
        baseUrl: fake.url,
        log,
        pollIntervalMs: 7,
      });
    },
  ],
];

describe.each(providers)('OpenAI sizes on %s', (_name, makeProvider) => {
  it.each([
    ['seedream-4-0-250828', '1536x1024'],
    ['seedream-4-0-250828', '1024x1536'],
    ['seedream-4-5-251128', '1024x1024'],
  ])('%s at %s', async (model, size) => {
    const t = await createTestApp({ provider: await makeProvider() });
    try {
      const res = await postJson(t, '/v1/images/generations', {
        prompt: 'a harbour at dawn',
        model,
        size,
        response_format: 'b64_json',
        output_format: 'png',
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as ImagesResponse;
      const meta = await sharp(Buffer.from(body.data[0]!.b64_json!, 'base64')).metadata();
      expect(`${meta.format} ${meta.width}x${meta.height}`).toBe(`png ${size}`);
    } finally {
      await t.close();
    }
  });
});
