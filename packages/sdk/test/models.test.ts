import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoodTake, MODELS, SIZES } from '../src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;

beforeAll(async () => {
  server = await startTestServer({ GOODTAKE_PRICE_SEEDREAM_4_0: '2' });
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
});
afterAll(() => server.stop());

describe('models.list', () => {
  it("lists the server's models with price, sizes and capabilities", async () => {
    const { models } = await client.models.list();
    expect(models.map((m) => m.id)).toEqual([...MODELS]);
    const legacy = models.find((m) => m.id === 'seedream-4-0-250828')!;
    expect(legacy).toEqual({
      id: 'seedream-4-0-250828',
      name: 'Seedream 4.0',
      owned_by: 'bytedance',
      price_per_image: 2,
      sizes: [...SIZES['seedream-4-0-250828']],
      default_size: '2K',
      capabilities: {
        blend: true,
        max_source_images: 10,
        prompt_modes: ['standard', 'creative', 'precise'],
      },
      default: false,
      available: true,
    });
    expect(models[0]?.default).toBe(true);
  });
});
