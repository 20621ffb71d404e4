import { describe, expect, it } from 'vitest';
import { aspectForPrompt, EXACT_SIZES } from '../../../src/contract/sizes.ts';
import { flavorFromBaseUrl } from '../../../src/providers/modelark/models.ts';
import { PROMPT_DIRECTIVES } from '../../../src/providers/modelark/request-body.ts';
import { makeJob, makeProvider, makeSource, measure, sentBody, startFake } from './helpers.ts';

describe('ModelArk request mapping (as the fake receives it)', () => {
  it('sends one single-image request with only the fields the 4.x models take', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok).toBe(true);
    const [request] = fake.generations();
    expect(request?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      model: 'seedream-4-5-251128',
      prompt: 'a red fox in the snow',
      size: '2K',
      sequential_image_generation: 'disabled',
      response_format: 'url',
      watermark: false,
      optimize_prompt_options: { mode: 'standard' },
    });
  });

  it('uses the BytePlus ids, or the doubao- ids on Volcengine', async () => {
    const byteplus = await startFake({ flavor: 'byteplus' });
    for (const model of ['seedream-4-5-251128', 'seedream-4-0-250828'] as const) {
      expect((await makeProvider(byteplus).provider.generate(makeJob({ model }))).ok).toBe(true);
    }
    expect(byteplus.generations().map((r) => (r.body as { model: string }).model)).toEqual([
      'seedream-4-5-251128',
      'seedream-4-0-250828',
    ]);

    const volcengine = await startFake({ flavor: 'volcengine' });
    const { provider } = makeProvider(volcengine, { flavor: 'volcengine' });
    for (const model of ['seedream-4-5-251128', 'seedream-4-0-250828'] as const) {
      expect((await provider.generate(makeJob({ model }))).ok).toBe(true);
    }
    expect(volcengine.generations().map((r) => (r.body as { model: string }).model)).toEqual([
      'doubao-seedream-4-5-251128',
      'doubao-seedream-4-0-250828',
    ]);
  });

  it('derives the flavor from the base URL host', () => {
    expect(flavorFromBaseUrl('https://ark.cn-beijing.volces.com/api/v3')).toBe('volcengine');
    expect(flavorFromBaseUrl('https://ark.ap-southeast.bytepluses.com/api/v3')).toBe('byteplus');
    expect(flavorFromBaseUrl('http://127.0.0.1:9900/api/v3')).toBe('byteplus');
    expect(flavorFromBaseUrl('https://evilvolces.com/api/v3')).toBe('byteplus');
  });

  it('sends configured model ids (endpoint ids) instead of the defaults', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, {
      modelIds: { 'seedream-4-5-251128': 'ep-20260101-abcde' },
    });
    await provider.generate(makeJob());
    expect(sentBody(fake).model).toBe('ep-20260101-abcde');
  });

  it('maps auto tiers to tokens, 4.5 1K to 2K', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const cases = [
      ['seedream-4-5-251128', '1K', '2K'],
      ['seedream-4-5-251128', '2K', '2K'],
      ['seedream-4-5-251128', '4K', '4K'],
      ['seedream-4-0-250828', '1K', '1K'],
      ['seedream-4-0-250828', '2K', '2K'],
      ['seedream-4-0-250828', '4K', '4K'],
    ] as const;
    for (const [model, tier] of cases) {
      const outcome = await provider.generate(makeJob({ model, size: { kind: 'auto', tier } }));
      expect(outcome.ok, `${model} ${tier}`).toBe(true);
    }
    expect(fake.generations().map((r) => (r.body as { size: string }).size)).toEqual(
      cases.map((c) => c[2]),
    );
  });

  it('asks for the smallest valid size of the same aspect ratio for every seed size', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const expected: Record<string, string> = {
      // 4.0: under 921,600 px scales up on a 16-px grid; the rest pass through.
      '512x512': '960x960',
      '768x768': '960x960',
      '1024x1024': '1024x1024',
      '1024x768': '1152x864',
      '768x1024': '864x1152',
      '1920x1080': '1920x1080',
      '1080x1920': '1080x1920',
    };
    for (const size of EXACT_SIZES['seedream-4-0-250828']) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      const outcome = await provider.generate(
        makeJob({ model: 'seedream-4-0-250828', size: { kind: 'exact', width, height } }),
      );
      if (!outcome.ok) throw new Error(`${size}: ${outcome.failure.message}`);
      const upstream = expected[size]!;
      expect(sentBody(fake, fake.generations().length - 1).size).toBe(upstream);
      const got = await measure(outcome.image.bytes);
      expect(`${got.width}x${got.height}`).toBe(upstream);
      expect(got.format).toBe('jpeg');
    }
    // Every 4.5 table size is at least 3,686,400 px, so it passes unchanged.
    for (const size of EXACT_SIZES['seedream-4-5-251128']) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      const outcome = await provider.generate(makeJob({ size: { kind: 'exact', width, height } }));
      expect(outcome.ok, size).toBe(true);
      expect(sentBody(fake, fake.generations().length - 1).size).toBe(size);
    }
  });

  it('sends one source as a data URI string and several as an array', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const png = await makeSource(64, 48, 'png');
    const jpeg = await makeSource(40, 40, 'jpeg', 'https://images.example.com/a.jpg');
    const webp = await makeSource(30, 60, 'webp');

    expect((await provider.generate(makeJob({ sources: [png] }))).ok).toBe(true);
    expect(sentBody(fake).image).toBe(
      `data:image/png;base64,${Buffer.from(png.bytes).toString('base64')}`,
    );

    expect((await provider.generate(makeJob({ sources: [png, jpeg, webp] }))).ok).toBe(true);
    const image = sentBody(fake, 1).image as string[];
    expect(image).toHaveLength(3);
    expect(image[0]).toMatch(/^data:image\/png;base64,/);
    expect(image[1]).toBe(`data:image/jpeg;base64,${Buffer.from(jpeg.bytes).toString('base64')}`);
    expect(image[2]).toMatch(/^data:image\/webp;base64,/);
  });

  it('sends public source URLs instead when configured', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { sendSourceUrls: true });
    const withUrl = await makeSource(40, 40, 'jpeg', 'https://images.example.com/a.jpg?x=1&y=%2F');
    const withoutUrl = await makeSource(40, 40, 'png');
    await provider.generate(makeJob({ sources: [withUrl, withoutUrl] }));
    const image = sentBody(fake).image as string[];
    expect(image[0]).toBe('https://images.example.com/a.jpg?x=1&y=%2F');
    expect(image[1]).toMatch(/^data:image\/png;base64,/);
  });

  it('refuses sources the upstream would refuse without calling it', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const tiny = await makeSource(10, 10);
    const outcome = await provider.generate(makeJob({ sources: [await makeSource(40, 40), tiny] }));
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'invalid_input', message: expect.stringContaining('image_urls[1]') },
    });
    const narrow = await makeSource(340, 20);
    const second = await provider.generate(makeJob({ sources: [narrow] }));
    expect(second.ok || second.failure.kind).toBe('invalid_input');
    expect(fake.generations()).toHaveLength(0);
  });

  it('turns the watermark on only when configured', async () => {
    const fake = await startFake();
    await makeProvider(fake).provider.generate(makeJob());
    await makeProvider(fake, { watermark: true }).provider.generate(makeJob());
    expect(sentBody(fake, 0).watermark).toBe(false);
    expect(sentBody(fake, 1).watermark).toBe(true);
  });

  it('asks for b64_json when configured and returns the decoded JPEG', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { responseFormat: 'b64_json' });
    const outcome = await provider.generate(
      makeJob({ size: { kind: 'exact', width: 2560, height: 1440 } }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(sentBody(fake).response_format).toBe('b64_json');
    expect(await measure(outcome.image.bytes)).toEqual({
      width: 2560,
      height: 1440,
      format: 'jpeg',
    });
    // Nothing to download.
    expect(fake.requests.filter((r) => r.path.startsWith('/tos/'))).toHaveLength(0);
  });

  it('maps optimise modes: standard as is, creative and precise as directives, never fast', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    for (const model of ['seedream-4-5-251128', 'seedream-4-0-250828'] as const) {
      for (const mode of ['standard', 'creative', 'precise'] as const) {
        expect((await provider.generate(makeJob({ model, mode, prompt: 'a lighthouse' }))).ok).toBe(
          true,
        );
      }
    }
    const bodies = fake
      .generations()
      .map((r) => r.body as { prompt: string; optimize_prompt_options: unknown });
    expect(bodies.map((b) => b.optimize_prompt_options)).toEqual(
      Array(6).fill({ mode: 'standard' }),
    );
    expect(bodies.map((b) => b.prompt)).toEqual(
      [0, 1].flatMap(() => [
        'a lighthouse',
        `a lighthouse\n\n${PROMPT_DIRECTIVES.creative}`,
        `a lighthouse\n\n${PROMPT_DIRECTIVES.precise}`,
      ]),
    );
  });

  it('keeps the aspect ratio an auto size gets from the prompt when a directive is added', () => {
    const prompts = [
      'a cat',
      'a mobile wallpaper of a cat',
      'a cinematic shot',
      'a portrait',
      '16:9 city',
    ];
    for (const prompt of prompts) {
      for (const directive of Object.values(PROMPT_DIRECTIVES)) {
        expect(aspectForPrompt(`${prompt}\n\n${directive}`)).toBe(aspectForPrompt(prompt));
      }
    }
  });

  it('asks for a stream only when enabled', async () => {
    const fake = await startFake();
    await makeProvider(fake, { stream: true }).provider.generate(makeJob());
    expect(sentBody(fake).stream).toBe(true);
  });

  it('describes itself without the key', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { apiKey: 'ark-secret-123' });
    expect(provider.id).toBe('modelark');
    expect(provider.describe()).toBe(
      `BytePlus ModelArk at ${fake.url} (models seedream-4-5-251128, seedream-4-0-250828; response url, watermark off, stream off, guard 500 images/min per model)`,
    );
    const volc = makeProvider(fake, {
      baseUrl: 'https://ark.cn-beijing.volces.com/api/v3/',
    }).provider;
    expect(volc.describe()).toMatch(
      /^Volcengine Ark at https:\/\/ark\.cn-beijing\.volces\.com\/api\/v3 \(models doubao-seedream-4-5-251128, doubao-seedream-4-0-250828;/,
    );
    expect(provider.describe()).not.toContain('ark-secret-123');
  });
});
