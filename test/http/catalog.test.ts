import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { modelListSchema } from '../../src/contract/model-list.ts';
import { startFakeFal } from '../../src/providers/fal/fake/server.ts';
import type { FakeFal } from '../../src/providers/fal/fake/types.ts';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../../src/providers/modelark/fake/types.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

// The catalog is data: a file (GOODTAKE_CATALOG, JSON or YAML) prices, orders and adds models
// with no code change, and a wrong one stops start-up with a message naming the entry.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-catalog-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function catalogFile(text: string, ext = 'yaml'): string {
  const path = join(dir, `catalog-${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const listModels = async (t: TestApp) => {
  const res = await t.request('/api/v1/models', { headers: { Authorization: `Bearer ${t.key}` } });
  expect(res.status).toBe(200);
  return modelListSchema.parse(await res.json()).data.models;
};

describe('GET /api/v1/models on the default catalog', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GOODTAKE_PRICE_SEEDREAM_4_5: '5' } });
  });
  afterAll(() => t.close());

  it('lists the seed models with their prices, sizes, capabilities and availability', async () => {
    const models = await listModels(t);
    expect(models.map((m) => [m.id, m.name, m.price_per_image, m.default, m.available])).toEqual([
      ['seedream-4-5-251128', 'Seedream 4.5', 5, true, true],
      ['seedream-4-0-250828', 'Seedream 4.0', 3, false, true],
    ]);
    expect(models[1]?.sizes).toContain('1920x1080');
    expect(models[1]?.capabilities).toEqual({
      blend: true,
      max_source_images: 10,
      prompt_modes: ['standard', 'creative', 'precise'],
    });
  });

  it('needs a key', async () => {
    const res = await t.request('/api/v1/models');
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('unauthorized');
  });
});

describe('a catalog file that adds a model', () => {
  let t: TestApp;
  beforeAll(async () => {
    const path = catalogFile(`
default_model: seedream-4-0-250828
models:
  - id: seedream-4-0-250828
    price: 2
  - id: seedream-5-lite-260301
    name: Seedream 5 Lite
    profile: seedream-4-0-250828
    price: 7
    tiers: [1K]
    sizes: [1024x1024, 1280x720]
    default_size: 1280x720
    max_source_images: 2
    prompt_modes: [standard]
    routes:
      - provider: offline
        cost_per_image_usd: 0.02
  - id: seedream-4-5-251128
    price: 4
    enabled: false
`);
    t = await createTestApp({ env: { GOODTAKE_CATALOG: path }, credits: 100 });
  });
  afterAll(() => t.close());

  it('lists it, priced, and leaves out the disabled model', async () => {
    const models = await listModels(t);
    expect(models.map((m) => [m.id, m.price_per_image, m.default])).toEqual([
      ['seedream-4-0-250828', 2, true],
      ['seedream-5-lite-260301', 7, false],
    ]);
    expect(models[1]).toMatchObject({
      name: 'Seedream 5 Lite',
      sizes: ['1K', '1024x1024', '1280x720'],
      default_size: '1280x720',
      capabilities: { blend: true, max_source_images: 2, prompt_modes: ['standard'] },
    });
  });

  it('serves it at its price and default size, and refuses what it does not take', async () => {
    const res = await t.generate({
      prompt: 'a kite',
      model: 'seedream-5-lite-260301',
      number_of_images: 2,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data.credits_used).toBe(14);
    expect(
      body.data.images.map((i: { width: number; height: number }) => `${i.width}x${i.height}`),
    ).toEqual(['1280x720', '1280x720']);
    const account = await (
      await t.request('/api/v1/account', { headers: { Authorization: `Bearer ${t.key}` } })
    ).json();
    expect(account.data.available).toBe(100 - 14);
    expect(account.data.prices).toEqual({ 'seedream-4-0-250828': 2, 'seedream-5-lite-260301': 7 });

    const bad = async (body: Record<string, unknown>, field: string) => {
      const r = await t.generate({ prompt: 'a kite', model: 'seedream-5-lite-260301', ...body });
      expect(r.status).toBe(400);
      expect((await errorOf(r)).field).toBe(field);
    };
    await bad({ size: '2K' }, 'size');
    await bad({ optimize_prompt_mode: 'creative' }, 'optimize_prompt_mode');
    await bad(
      {
        image_urls: [
          'https://a.example/1.png',
          'https://a.example/2.png',
          'https://a.example/3.png',
        ],
      },
      'image_urls',
    );
    await bad({ model: 'seedream-4-5-251128' }, 'model');
  });

  it('uses the default model of the file when a request names none', async () => {
    const res = await t.generate({ prompt: 'a kite', size: '1024x1024' });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toMatchObject({
      model: 'seedream-4-0-250828',
      credits_used: 2,
    });
  });

  it('offers it on the OpenAI-compatible routes too', async () => {
    const res = await t.request('/v1/models', { headers: { Authorization: `Bearer ${t.key}` } });
    const ids = (await res.json()).data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(['seedream-4-0-250828', 'seedream-5-lite-260301']);
  });
});

describe('a catalog file that reorders routes', () => {
  let ark: FakeModelArk;
  let fal: FakeFal;
  let t: TestApp;
  beforeAll(async () => {
    ark = await startFakeModelArk({ latencyMs: 0 });
    fal = await startFakeFal({});
    const path = catalogFile(
      JSON.stringify({
        models: [
          {
            id: 'seedream-4-5-251128',
            price: 4,
            routes: [{ provider: 'fal' }, { provider: 'modelark' }],
          },
        ],
      }),
      'json',
    );
    t = await createTestApp({
      env: {
        GOODTAKE_CATALOG: path,
        ARK_API_KEY: ark.apiKey,
        ARK_BASE_URL: ark.url,
        FAL_KEY: fal.apiKey,
        FAL_BASE_URL: fal.url,
        FAL_POLL_INTERVAL_MS: '5',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([ark.close(), fal.close()]);
  });

  it('sends the request to the first route of the file', async () => {
    const res = await t.generate({ prompt: 'a harbour', size: '2048x2048' });
    expect(res.status).toBe(200);
    expect(fal.submissions()).toHaveLength(1);
    expect(fal.submissions()[0]?.path).toContain('fal-ai/bytedance/seedream/v4.5/text-to-image');
    expect(ark.generations()).toHaveLength(0);
  });
});

describe('a wrong catalog stops start-up, naming the entry', () => {
  const base = { GOODTAKE_DATA_DIR: join(tmpdir(), 'goodtake-unused') };
  const refuse = (text: string, env: Record<string, string> = {}, ext = 'yaml') => {
    const path = catalogFile(text, ext);
    try {
      loadConfig({ ...base, ...env, GOODTAKE_CATALOG: path });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('the catalog was accepted');
  };

  it('an unknown provider', () => {
    expect(
      refuse(
        'models:\n  - id: seedream-4-5-251128\n    price: 4\n    routes: [{ provider: midjourney }]\n',
      ),
    ).toContain(
      "models[0] (seedream-4-5-251128): routes[0] (midjourney): unknown provider 'midjourney' (known: modelark, fal, replicate, offline)",
    );
  });

  it('a route to a provider without credentials', () => {
    expect(
      refuse(
        'models:\n  - id: seedream-4-0-250828\n    price: 3\n    routes: [{ provider: replicate }]\n',
      ),
    ).toContain(
      'models[0] (seedream-4-0-250828): routes[0] (replicate): Replicate has no credentials (set REPLICATE_API_TOKEN)',
    );
  });

  it.each([['0'], ['2.5'], ['"four"'], ['-1']])('a price of %s', (price) => {
    expect(refuse(`models:\n  - id: seedream-4-0-250828\n    price: ${price}\n`)).toMatch(
      /models\[0\] \(seedream-4-0-250828\): price must be a positive whole number of credits, got /,
    );
  });

  it('a size outside what a route can make', () => {
    expect(
      refuse(
        'models:\n  - id: seedream-4-5-251128\n    price: 4\n    sizes: [2048x2048, 6144x2048]\n    routes: [{ provider: fal }]\n',
        { FAL_KEY: 'k' },
      ),
    ).toContain(
      'models[0] (seedream-4-5-251128): routes[0] (fal): size 6144x2048 is outside what the route can make (fal.ai makes at most 4096 pixels a side)',
    );
  });

  it('a new model without a profile, a schema error and a file that is not YAML', () => {
    expect(refuse('models:\n  - id: nano-x\n    price: 4\n')).toContain(
      'models[0] (nano-x): profile is required',
    );
    expect(
      refuse('models:\n  - id: seedream-4-0-250828\n    price: 3\n    colour: blue\n'),
    ).toContain('models[0] (seedream-4-0-250828)');
    expect(refuse('{ "models": [', {}, 'json')).toContain('cannot be parsed');
  });

  it('stops a real server process with the message', async () => {
    const { startServerProcess } = await import('../helpers/processes.ts');
    const path = catalogFile('models:\n  - id: seedream-4-0-250828\n    price: 0\n');
    await expect(
      startServerProcess({ GOODTAKE_DATA_DIR: join(dir, 'proc'), GOODTAKE_CATALOG: path }),
    ).rejects.toThrow(/price must be a positive whole number/);
  });
});
