import { describe, expect, it } from 'vitest';
import { EXACT_SIZES } from '../../../src/contract/sizes.ts';
import { PROMPT_DIRECTIVES } from '../../../src/providers/kit/prompt.ts';
import { makeJob, makeSource, measure, SEED_40_UPSTREAM_SIZES } from '../helpers.ts';
import { makeProvider, startFake, submitted } from './helpers.ts';

const M45 = 'seedream-4-5-251128';
const M40 = 'seedream-4-0-250828';

describe('fal.ai request mapping (as the fake queue receives it)', () => {
  it('submits text-to-image to the model endpoint with Key auth and one image', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok).toBe(true);
    const [request] = fake.submissions();
    expect(request?.path).toBe('/fal-ai/bytedance/seedream/v4.5/text-to-image');
    expect(request?.headers.authorization).toBe(`Key ${fake.apiKey}`);
    expect(request?.body).toEqual({
      prompt: 'a red fox in the snow',
      image_size: 'auto_2K',
      num_images: 1,
      max_images: 1,
      enable_safety_checker: true,
    });
    // Submit, status until completed, result, download: nothing else.
    expect(fake.cancels()).toHaveLength(0);
    expect(fake.results()).toHaveLength(1);
    expect(fake.downloads()).toHaveLength(1);
  });

  it('sends blends to the edit endpoint with the sources as data URIs, or public URLs when configured', async () => {
    const fake = await startFake();
    const png = await makeSource(64, 48, 'png');
    const jpeg = await makeSource(40, 40, 'jpeg', 'https://images.example.com/a.jpg?x=1&y=%2F');
    const { provider } = makeProvider(fake);
    expect((await provider.generate(makeJob({ model: M40, sources: [png, jpeg] }))).ok).toBe(true);
    expect(fake.submissions()[0]?.path).toBe('/fal-ai/bytedance/seedream/v4/edit');
    expect(submitted(fake).image_urls).toEqual([
      `data:image/png;base64,${Buffer.from(png.bytes).toString('base64')}`,
      `data:image/jpeg;base64,${Buffer.from(jpeg.bytes).toString('base64')}`,
    ]);

    const urls = makeProvider(fake, { sendSourceUrls: true }).provider;
    expect((await urls.generate(makeJob({ sources: [jpeg, png] }))).ok).toBe(true);
    expect(fake.submissions()[1]?.path).toBe('/fal-ai/bytedance/seedream/v4.5/edit');
    const sent = submitted(fake, 1).image_urls as string[];
    expect(sent[0]).toBe('https://images.example.com/a.jpg?x=1&y=%2F');
    expect(sent[1]).toMatch(/^data:image\/png;base64,/);
  });

  it('refuses more than 10 sources (fal would silently use the last 10) without calling fal', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const source = await makeSource(32, 32);
    const outcome = await provider.generate(makeJob({ sources: Array(11).fill(source) }));
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'invalid_input', message: 'the model accepts at most 10 source images' },
    });
    const tiny = await provider.generate(makeJob({ sources: [await makeSource(10, 10)] }));
    expect(tiny.ok || tiny.failure.kind).toBe('invalid_input');
    expect(fake.submissions()).toHaveLength(0);
  });

  it('maps auto tiers to fal enums: 4.0 1K is auto, 4.5 1K is auto_2K', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const cases = [
      [M40, '1K', 'auto', '1024x1024'],
      [M40, '2K', 'auto_2K', '2048x2048'],
      [M40, '4K', 'auto_4K', '4096x4096'],
      [M45, '1K', 'auto_2K', '2048x2048'],
      [M45, '2K', 'auto_2K', '2048x2048'],
      [M45, '4K', 'auto_4K', '4096x4096'],
    ] as const;
    for (const [i, [model, tier, sent, made]] of cases.entries()) {
      const outcome = await provider.generate(makeJob({ model, size: { kind: 'auto', tier } }));
      if (!outcome.ok) throw new Error(`${model} ${tier}: ${outcome.failure.message}`);
      expect(submitted(fake, i).image_size, `${model} ${tier}`).toBe(sent);
      const got = await measure(outcome.image.bytes);
      expect(`${got.width}x${got.height}`).toBe(made);
    }
  });

  it('keeps 4K within fal’s 4096-pixel sides (the pipeline keeps what the model chose)', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(
      makeJob({ prompt: 'a widescreen city', size: { kind: 'auto', tier: '4K' } }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    const got = await measure(outcome.image.bytes);
    expect(Math.max(got.width, got.height)).toBe(4096);
  });

  // Every seed size, under both readings of the v4 size rule (CONFLICT §3.3).
  it.each(['sides', 'pixels'] as const)(
    'asks 4.0 for a size both v4 rules accept, of the same aspect ratio (fake rule: %s)',
    async (rule) => {
      const fake = await startFake({ v4SizeRule: rule });
      const { provider } = makeProvider(fake);
      const expected = SEED_40_UPSTREAM_SIZES;
      for (const [i, size] of EXACT_SIZES[M40].entries()) {
        const [width, height] = size.split('x').map(Number) as [number, number];
        const outcome = await provider.generate(
          makeJob({ model: M40, size: { kind: 'exact', width, height } }),
        );
        if (!outcome.ok) throw new Error(`${size}: ${outcome.failure.message}`);
        const sent = submitted(fake, i).image_size as { width: number; height: number };
        expect(`${sent.width}x${sent.height}`, size).toBe(expected[size]);
        expect(sent.width / sent.height).toBeCloseTo(width / height, 10);
        const got = await measure(outcome.image.bytes);
        expect(`${got.width}x${got.height}`).toBe(expected[size]);
      }
    },
  );

  it('sends every 4.5 seed size unchanged (the v4.5 pixel range holds for all)', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    for (const [i, size] of EXACT_SIZES[M45].entries()) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      const outcome = await provider.generate(makeJob({ size: { kind: 'exact', width, height } }));
      if (!outcome.ok) throw new Error(`${size}: ${outcome.failure.message}`);
      expect(submitted(fake, i).image_size).toEqual({ width, height });
      const got = await measure(outcome.image.bytes);
      expect(`${got.width}x${got.height}`).toBe(size);
    }
  });

  it('runs n images as n independent single-image requests', async () => {
    const fake = await startFake({ latencyMs: 30 });
    const { provider } = makeProvider(fake);
    const outcomes = await Promise.all(
      [0, 1, 2].map((index) => provider.generate(makeJob({ index }))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(fake.submissions()).toHaveLength(3);
    expect(
      fake.submissions().every((s) => (s.body as { num_images: number }).num_images === 1),
    ).toBe(true);
    expect(new Set(fake.results().map((r) => r.path)).size).toBe(3);
  });

  it('uses configured endpoint ids and the safety-checker setting', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, {
      safetyChecker: false,
      endpointIds: { [M45]: { textToImage: 'fal-ai/bytedance/seedream/v4/text-to-image' } },
    });
    expect((await provider.generate(makeJob({ model: M40 }))).ok).toBe(true);
    expect(fake.submissions()[0]?.path).toBe('/fal-ai/bytedance/seedream/v4/text-to-image');
    expect(submitted(fake).enable_safety_checker).toBe(false);
  });

  it('maps optimise modes to the same directives as every upstream', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    for (const mode of ['standard', 'creative', 'precise'] as const) {
      await provider.generate(makeJob({ mode, prompt: 'a lighthouse' }));
    }
    expect(fake.submissions().map((s) => (s.body as { prompt: string }).prompt)).toEqual([
      'a lighthouse',
      `a lighthouse\n\n${PROMPT_DIRECTIVES.creative}`,
      `a lighthouse\n\n${PROMPT_DIRECTIVES.precise}`,
    ]);
  });

  it('never shows the key in describe() or in any log line, failing or not', async () => {
    const fake = await startFake({ apiKey: 'fal-secret-key-123' });
    const { provider, logs } = makeProvider(fake);
    expect(provider.id).toBe('fal');
    expect(provider.describe()).toBe(
      `fal.ai queue at ${fake.url} (endpoints fal-ai/bytedance/seedream/v4.5/text-to-image, fal-ai/bytedance/seedream/v4.5/edit, fal-ai/bytedance/seedream/v4/text-to-image, fal-ai/bytedance/seedream/v4/edit; safety checker on, sources as data URIs, poll every 7 ms, timeout 300 s, no throughput guard)`,
    );
    expect((await provider.generate(makeJob())).ok).toBe(true);
    await provider.generate(makeJob({ prompt: 'x [[fake:content_policy]]' }));
    await provider.generate(makeJob({ prompt: 'x [[fake:fail=500,retryable=false]]' }));
    const wrongKey = makeProvider(fake, { apiKey: 'fal-wrong-key-456' });
    await wrongKey.provider.generate(makeJob());
    const text = [...logs.raw, ...wrongKey.logs.raw].join('\n');
    expect(logs.raw.length).toBeGreaterThan(3);
    expect(text).not.toContain('fal-secret-key-123');
    expect(text).not.toContain('fal-wrong-key-456');
    expect(wrongKey.provider.describe()).not.toContain('fal-wrong-key-456');
  });
});
