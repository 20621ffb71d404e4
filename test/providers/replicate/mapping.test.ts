import { describe, expect, it } from 'vitest';
import { EXACT_SIZES } from '../../../src/contract/sizes.ts';
import { PROMPT_DIRECTIVES } from '../../../src/providers/kit/prompt.ts';
import { makeJob, makeSource, measure, SEED_40_UPSTREAM_SIZES } from '../helpers.ts';
import { makeProvider, sentInput, startFake } from './helpers.ts';

const M45 = 'seedream-4-5-251128';
const M40 = 'seedream-4-0-250828';

describe('Replicate request mapping (as the fake receives it)', () => {
  it('creates one single-image prediction with Bearer auth, Prefer: wait and Cancel-After', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    expect((await provider.generate(makeJob())).ok).toBe(true);
    const [create] = fake.creates();
    expect(create?.path).toBe('/v1/models/bytedance/seedream-4.5/predictions');
    expect(create?.headers.authorization).toBe(`Bearer ${fake.apiToken}`);
    expect(create?.headers.prefer).toBe('wait=60');
    expect(create?.headers['cancel-after']).toBe('300s');
    expect(create?.body).toEqual({
      input: {
        prompt: 'a red fox in the snow',
        size: '2K',
        aspect_ratio: '1:1',
        sequential_image_generation: 'disabled',
        max_images: 1,
      },
    });
    // Finished within the wait: no poll, no cancel.
    expect(fake.polls()).toHaveLength(0);
    expect(fake.downloads()).toHaveLength(1);
  });

  it('sends 4.0 its own fields (enhance_prompt) and never 4.5-only ones', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { safetyChecker: false });
    expect((await provider.generate(makeJob({ model: M40 }))).ok).toBe(true);
    expect(fake.creates()[0]?.path).toBe('/v1/models/bytedance/seedream-4/predictions');
    expect(sentInput(fake)).toEqual({
      prompt: 'a red fox in the snow',
      size: '2K',
      aspect_ratio: '1:1',
      sequential_image_generation: 'disabled',
      max_images: 1,
      enhance_prompt: true,
    });
    expect((await provider.generate(makeJob({ model: M45 }))).ok).toBe(true);
    expect(sentInput(fake, 1).disable_safety_checker).toBe(true);
  });

  it('maps auto tiers to size tokens (4.5 has no 1K) with the prompt’s aspect ratio', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const cases = [
      [M40, '1K', 'a cat', '1K', '1:1', '1024x1024'],
      [M40, '2K', 'a mobile wallpaper', '2K', '9:16', '1600x2848'],
      [M40, '4K', 'a cat', '4K', '1:1', '4096x4096'],
      [M45, '1K', 'a cat', '2K', '1:1', '2048x2048'],
      [M45, '2K', 'a portrait', '2K', '3:4', '1728x2304'],
      [M45, '4K', 'a cinematic shot', '4K', '21:9', '4096x1743'],
    ] as const;
    for (const [i, [model, tier, prompt, size, aspect, made]] of cases.entries()) {
      const outcome = await provider.generate(
        makeJob({ model, prompt, size: { kind: 'auto', tier } }),
      );
      if (!outcome.ok) throw new Error(`${model} ${tier}: ${outcome.failure.message}`);
      expect(
        [sentInput(fake, i).size, sentInput(fake, i).aspect_ratio],
        `${model} ${tier}`,
      ).toEqual([size, aspect]);
      const got = await measure(outcome.image.bytes);
      expect(`${got.width}x${got.height}`).toBe(made);
    }
  });

  it('asks for custom sizes each model accepts, of the same aspect ratio, for every seed size', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const expected: Record<string, string> = {
      ...SEED_40_UPSTREAM_SIZES,
      // 4.5: sides 1024-4096 and at least 3,686,400 pixels: every seed size as it is.
      ...Object.fromEntries(EXACT_SIZES[M45].map((s) => [s, s])),
    };
    let n = 0;
    for (const model of [M40, M45] as const) {
      for (const size of EXACT_SIZES[model]) {
        const [width, height] = size.split('x').map(Number) as [number, number];
        const outcome = await provider.generate(
          makeJob({ model, size: { kind: 'exact', width, height } }),
        );
        if (!outcome.ok) throw new Error(`${model} ${size}: ${outcome.failure.message}`);
        const input = sentInput(fake, n++);
        expect(input.size).toBe('custom');
        expect(input.aspect_ratio).toBeUndefined();
        expect(`${input.width}x${input.height}`, `${model} ${size}`).toBe(expected[size]);
        const got = await measure(outcome.image.bytes);
        expect(`${got.width}x${got.height}`).toBe(expected[size]);
      }
    }
  });

  it('lifts a small 4.5 custom size above its pixel floor (the fake fails it as ModelArk would)', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(
      makeJob({ size: { kind: 'exact', width: 1024, height: 768 } }),
    );
    expect(outcome.ok).toBe(true);
    const input = sentInput(fake);
    expect([input.width, input.height]).toEqual([2240, 1680]);
  });

  it('sends sources as image_input data URIs (or public URLs) and keeps the input’s aspect in a blend', async () => {
    const fake = await startFake();
    const wide = await makeSource(160, 90, 'png', 'https://img.example/wide.png');
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob({ sources: [wide] }));
    if (!outcome.ok) throw new Error(outcome.failure.message);
    const input = sentInput(fake);
    expect(input.image_input).toEqual([
      `data:image/png;base64,${Buffer.from(wide.bytes).toString('base64')}`,
    ]);
    expect(input.aspect_ratio).toBe('match_input_image');
    const got = await measure(outcome.image.bytes);
    expect(`${got.width}x${got.height}`).toBe('2848x1600');

    await makeProvider(fake, { sendSourceUrls: true }).provider.generate(
      makeJob({ prompt: 'a portrait', sources: [wide] }),
    );
    expect(sentInput(fake, 1).image_input).toEqual(['https://img.example/wide.png']);
    expect(sentInput(fake, 1).aspect_ratio).toBe('3:4');
  });

  it('refuses more sources than the model takes (10 on 4.0, 14 on 4.5) without calling', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const source = await makeSource(32, 32);
    const outcome = await provider.generate(
      makeJob({ model: M40, sources: Array(11).fill(source) }),
    );
    expect(outcome.ok || outcome.failure.kind).toBe('invalid_input');
    expect(fake.creates()).toHaveLength(0);
  });

  it('drops goodtake’s directive rather than exceed 4.5’s 4000-character prompt limit', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake);
    const long = 'a'.repeat(3950);
    expect((await provider.generate(makeJob({ prompt: long, mode: 'creative' }))).ok).toBe(true);
    expect(sentInput(fake).prompt).toBe(long);
    expect(logs.lines.some((l) => /without it/.test(l.msg))).toBe(true);
    expect(
      (await provider.generate(makeJob({ model: M40, prompt: 'a lighthouse', mode: 'precise' })))
        .ok,
    ).toBe(true);
    expect(sentInput(fake, 1).prompt).toBe(`a lighthouse\n\n${PROMPT_DIRECTIVES.precise}`);
  });

  it('runs n images as n independent predictions', async () => {
    const fake = await startFake({ latencyMs: 30 });
    const { provider } = makeProvider(fake);
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map((index) => provider.generate(makeJob({ index }))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(fake.creates()).toHaveLength(4);
    expect(
      fake
        .creates()
        .every((c) => (c.body as { input: { max_images: number } }).input.max_images === 1),
    ).toBe(true);
  });

  it('uses configured model names', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { modelNames: { [M45]: 'bytedance/seedream-4' } });
    await provider.generate(makeJob({ model: M40 }));
    expect(fake.creates()[0]?.path).toBe('/v1/models/bytedance/seedream-4/predictions');
  });

  it('never shows the token in describe() or in any log line', async () => {
    const fake = await startFake({ apiToken: 'r8_secret_token_123' });
    const { provider, logs } = makeProvider(fake);
    expect(provider.id).toBe('replicate');
    expect(provider.describe()).toBe(
      `Replicate at ${fake.url} (models bytedance/seedream-4.5, bytedance/seedream-4; Prefer: wait=60, safety checker on, sources as data URIs, poll every 7 ms, timeout 300 s, guard 600 images/min per account)`,
    );
    await provider.generate(makeJob());
    await provider.generate(makeJob({ prompt: 'x [[fake:flagged]]' }));
    await provider.generate(makeJob({ prompt: 'x [[fake:create_status=500]]' }));
    const wrong = makeProvider(fake, { apiToken: 'r8_wrong_token_456' });
    await wrong.provider.generate(makeJob());
    const text = [...logs.raw, ...wrong.logs.raw].join('\n');
    expect(logs.raw.length).toBeGreaterThan(3);
    expect(text).not.toContain('r8_secret_token_123');
    expect(text).not.toContain('r8_wrong_token_456');
    expect(wrong.provider.describe()).not.toContain('r8_wrong_token_456');
  });
});
