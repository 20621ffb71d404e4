import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ModelId } from '../../src/contract/models.ts';
import type { RequestedSize } from '../../src/contract/sizes.ts';
import { createLimiter } from '../../src/providers/offline/limiter.ts';
import { parseMarkers } from '../../src/providers/offline/markers.ts';
import { createOfflineProvider } from '../../src/providers/offline/offline-provider.ts';
import { applyVignette, upscale2x } from '../../src/providers/offline/pixels.ts';
import type {
  GenerationJob,
  GenerationOutcome,
  ImageProvider,
  SourceImage,
} from '../../src/providers/provider.ts';

const V45: ModelId = 'seedream-4-5-251128';
const V40: ModelId = 'seedream-4-0-250828';
const SMALL: RequestedSize = { kind: 'exact', width: 512, height: 512 };

function job(overrides: Partial<GenerationJob> = {}): GenerationJob {
  return {
    model: V40,
    prompt: 'a quiet valley',
    size: SMALL,
    mode: 'standard',
    index: 0,
    sources: [],
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function image(provider: ImageProvider, overrides: Partial<GenerationJob> = {}) {
  const outcome = await provider.generate(job(overrides));
  if (!outcome.ok) throw new Error(`unexpected failure: ${outcome.failure.message}`);
  return Buffer.from(outcome.image.bytes);
}

/** Pixels of an image shrunk to 64x64 RGB, for comparisons that ignore encoding detail. */
async function thumb(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes)
    .resize(64, 64, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
}

async function meanAbsDiff(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([thumb(a), thumb(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

async function channelMeans(bytes: Uint8Array): Promise<[number, number, number]> {
  const { channels } = await sharp(bytes).stats();
  expect(channels.length).toBeGreaterThanOrEqual(3);
  return [channels[0]!.mean, channels[1]!.mean, channels[2]!.mean];
}

async function solid(colour: string, format: 'png' | 'webp'): Promise<SourceImage> {
  const base = sharp({ create: { width: 96, height: 64, channels: 3, background: colour } });
  const bytes = await (format === 'png' ? base.png() : base.webp({ lossless: true })).toBuffer();
  return { bytes, format, width: 96, height: 64 };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('offline provider: output', () => {
  const provider = createOfflineProvider({});

  it('identifies itself as synthetic', () => {
    expect(provider.id).toBe('offline');
    expect(provider.describe()).toMatch(/synthetic images drawn locally, no model is called/);
  });

  it.each([
    [V40, { kind: 'exact', width: 512, height: 512 }, 'a cat', 512, 512],
    [V40, { kind: 'exact', width: 1080, height: 1920 }, 'a cat', 1080, 1920],
    [V45, { kind: 'exact', width: 3024, height: 1296 }, 'a cat', 3024, 1296],
    [V45, { kind: 'auto', tier: '2K' }, 'a portrait of a woman', 1728, 2304],
    [V40, { kind: 'auto', tier: '1K' }, 'widescreen desert road', 1312, 736],
    [V45, { kind: 'auto', tier: '1K' }, 'an abstract shape', 1024, 1024],
    [V45, { kind: 'auto', tier: '4K' }, 'cinematic ocean at dusk', 6240, 2656],
  ] as const)('%s %j "%s" is a %dx%d JPEG', async (model, size, prompt, width, height) => {
    const bytes = await image(provider, { model, size, prompt });
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBe(width);
    expect(meta.height).toBe(height);
    expect(meta.channels).toBe(3);
  });

  it('is deterministic: the same job gives the same bytes', async () => {
    for (const model of [V40, V45]) {
      const a = await image(provider, { model, prompt: 'neon city at night', index: 2 });
      const b = await image(createOfflineProvider({}), {
        model,
        prompt: 'neon city at night',
        index: 2,
      });
      expect(a.equals(b)).toBe(true);
    }
  });

  it('differs visibly by prompt, by index and by model', async () => {
    const base = await image(provider, { prompt: 'sunset over the hills' });
    const otherPrompt = await image(provider, { prompt: 'a misty pine forest' });
    const otherIndex = await image(provider, { prompt: 'sunset over the hills', index: 1 });
    const otherModel = await image(provider, { prompt: 'sunset over the hills', model: V45 });
    expect(await meanAbsDiff(base, otherPrompt)).toBeGreaterThan(20);
    expect(await meanAbsDiff(base, otherIndex)).toBeGreaterThan(8);
    expect(await meanAbsDiff(base, otherModel)).toBeGreaterThan(8);
  });

  it('differs by prompt even when no palette word matches', async () => {
    const a = await image(provider, { prompt: 'a teapot' });
    const b = await image(provider, { prompt: 'a bicycle' });
    expect(await meanAbsDiff(a, b)).toBeGreaterThan(15);
  });

  it('follows palette words', async () => {
    const [fr, fg, fb] = await channelMeans(await image(provider, { prompt: 'a deep forest' }));
    expect(fg).toBeGreaterThan(fb);
    const [or, , ob] = await channelMeans(await image(provider, { prompt: 'the open ocean' }));
    expect(ob).toBeGreaterThan(or + 20);
    const [sr, , sb] = await channelMeans(await image(provider, { prompt: 'desert sand dunes' }));
    expect(sr).toBeGreaterThan(sb + 20);
    const night = await channelMeans(await image(provider, { prompt: 'a starry night sky' }));
    const day = await channelMeans(await image(provider, { prompt: 'snowy winter peaks' }));
    expect(night.reduce((s, v) => s + v)).toBeLessThan(day.reduce((s, v) => s + v) - 150);
    expect(fr).toBeGreaterThanOrEqual(0);
  });

  it('draws noir prompts in grey', async () => {
    for (const model of [V40, V45]) {
      const [r, g, b] = await channelMeans(
        await image(provider, { model, prompt: 'a rainy street, film noir' }),
      );
      expect(Math.abs(r - g)).toBeLessThan(2);
      expect(Math.abs(g - b)).toBeLessThan(2);
    }
  });
});

describe('offline provider: blend mode', () => {
  const provider = createOfflineProvider({});

  it('follows the colours of its sources', async () => {
    const red = await solid('#ff0000', 'png');
    const blue = await solid('#0000ff', 'webp');
    const fromRed = await image(provider, { prompt: 'make it dreamy', sources: [red] });
    const fromBlue = await image(provider, { prompt: 'make it dreamy', sources: [blue] });
    const [rr, , rb] = await channelMeans(fromRed);
    const [br, , bb] = await channelMeans(fromBlue);
    expect(rr).toBeGreaterThan(rb + 80);
    expect(bb).toBeGreaterThan(br + 80);
    const meta = await sharp(fromRed).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 512, 512]);
  });

  it('mixes several sources', async () => {
    const red = await solid('#ff0000', 'png');
    const blue = await solid('#0000ff', 'png');
    const [r, , b] = await channelMeans(
      await image(provider, { prompt: 'combine these', sources: [red, blue] }),
    );
    expect(r).toBeGreaterThan(50);
    expect(b).toBeGreaterThan(50);
  });

  it('differs from the text-only picture for the same prompt', async () => {
    const scene = await image(provider, { model: V45, prompt: 'a beach at sunset' });
    const source: SourceImage = { bytes: scene, format: 'jpeg', width: 512, height: 512 };
    const other = await image(provider, { model: V40, prompt: 'a forest in autumn' });
    const blended = await image(provider, {
      model: V45,
      prompt: 'a beach at sunset',
      sources: [{ bytes: other, format: 'jpeg', width: 512, height: 512 }, source],
    });
    expect(await meanAbsDiff(scene, blended)).toBeGreaterThan(8);
  });

  it('turns noir prompts grey whatever the sources', async () => {
    const red = await solid('#ff0000', 'png');
    const blue = await solid('#0000ff', 'png');
    const bytes = await image(provider, { prompt: 'noir', sources: [red, blue] });
    expect((await sharp(bytes).metadata()).channels).toBe(3);
    const [r, g, b] = await channelMeans(bytes);
    expect(Math.abs(r - g)).toBeLessThan(2);
    expect(Math.abs(g - b)).toBeLessThan(2);
  });

  it('tints neon prompts towards magenta and cyan', async () => {
    const grey = await solid('#808080', 'png');
    const [r, g, b] = await channelMeans(
      await image(provider, { prompt: 'cyberpunk neon', sources: [grey] }),
    );
    expect(b).toBeGreaterThan(g + 15);
    expect(r).toBeGreaterThan(g);
  });

  it('accepts greyscale, translucent, 16-bit and CMYK sources', async () => {
    const red = () =>
      sharp({ create: { width: 80, height: 40, channels: 3, background: '#ff0000' } });
    const inputs = [
      await red().toColourspace('b-w').png().toBuffer(),
      await sharp({
        create: {
          width: 40,
          height: 80,
          channels: 4,
          background: { r: 0, g: 0, b: 255, alpha: 0.5 },
        },
      })
        .png()
        .toBuffer(),
      await red().toColourspace('rgb16').png().toBuffer(),
      await red().toColourspace('cmyk').jpeg().toBuffer(),
    ];
    const sources = inputs.map(
      (bytes): SourceImage => ({ bytes, format: 'png', width: 80, height: 40 }),
    );
    for (const [i, source] of sources.entries()) {
      const bytes = await image(provider, {
        prompt: 'mix',
        sources: [source, sources[(i + 1) % 4]!],
      });
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([512, 512, 3]);
    }
    const [r, , b] = await channelMeans(
      await image(provider, { prompt: 'mix', sources: [sources[3]!] }),
    );
    expect(r).toBeGreaterThan(b + 80);
  });

  it('is deterministic and varies by index', async () => {
    const sources = [await solid('#336699', 'png'), await solid('#cc9933', 'png')];
    const a = await image(provider, { prompt: 'blend', sources });
    const b = await image(provider, { prompt: 'blend', sources });
    const c = await image(provider, { prompt: 'blend', sources, index: 1 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });
});

describe('offline provider: timing, abort and concurrency', () => {
  it('waits delayMs before answering', async () => {
    const provider = createOfflineProvider({ delayMs: 150 });
    const started = performance.now();
    await image(provider);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('stops a delayed job promptly when aborted', async () => {
    const provider = createOfflineProvider({ delayMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('client went away');
    const started = performance.now();
    const pending = provider.generate(job({ signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('rejects a job whose signal is already aborted', async () => {
    const provider = createOfflineProvider({});
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(provider.generate(job({ signal: controller.signal }))).rejects.toThrow('gone');
  });

  it('never renders a queued job that is aborted while waiting', async () => {
    const seen: number[] = [];
    const provider = createOfflineProvider({
      concurrency: 1,
      onRenderChange: (active) => seen.push(active),
    });
    const controller = new AbortController();
    const first = provider.generate(job({ prompt: 'first' }));
    const second = provider.generate(job({ prompt: 'second', signal: controller.signal }));
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    expect((await first).ok).toBe(true);
    expect(seen).toEqual([1, 0]);
  });

  it('renders at most `concurrency` images at once', async () => {
    const seen: number[] = [];
    const provider = createOfflineProvider({
      concurrency: 2,
      onRenderChange: (active) => seen.push(active),
    });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, index) => provider.generate(job({ index }))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(Math.max(...seen)).toBe(2);
    expect(seen.at(-1)).toBe(0);
  });
});

describe('limiter', () => {
  it('queues tasks beyond the limit and starts them in order', async () => {
    const limiter = createLimiter(2);
    const signal = new AbortController().signal;
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }, signal),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.waiting]).toEqual([2, 1]);
    gates[1]!.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect([limiter.active, limiter.waiting]).toEqual([0, 0]);
  });

  it('drops a queued task whose signal aborts, without starting it', async () => {
    const limiter = createLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise, new AbortController().signal);
    const controller = new AbortController();
    let ran = false;
    const second = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    expect(limiter.waiting).toBe(1);
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    expect(limiter.waiting).toBe(0);
    gate.resolve();
    await first;
    expect(ran).toBe(false);
    expect(limiter.active).toBe(0);
  });

  it('releases the slot when a task fails', async () => {
    const limiter = createLimiter(1);
    const signal = new AbortController().signal;
    await expect(limiter.run(() => Promise.reject(new Error('boom')), signal)).rejects.toThrow();
    expect(await limiter.run(async () => 'next', signal)).toBe('next');
  });
});

describe('offline provider: content-policy markers', () => {
  const provider = createOfflineProvider({ testMarkers: true });
  const refused = (o: GenerationOutcome) =>
    !o.ok &&
    o.failure.kind === 'content_policy' &&
    o.failure.message === 'The prompt or an output image was refused by the content policy';

  it('refuses every image of a prompt with [[offline:content_policy]]', async () => {
    for (const index of [0, 1, 3]) {
      const outcome = await provider.generate(
        job({ prompt: 'a cat [[offline:content_policy]]', index }),
      );
      expect(refused(outcome)).toBe(true);
    }
  });

  it('refuses only index N with [[offline:fail-index=N]]', async () => {
    const prompt = 'a cat [[offline:fail-index=1]] [[offline:fail-index=3]]';
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map((index) => provider.generate(job({ prompt, index }))),
    );
    expect(outcomes.map(refused)).toEqual([false, true, false, true]);
    const plain = await image(provider, { prompt: 'a cat', index: 0 });
    const first = outcomes[0]!;
    expect(first.ok && Buffer.from(first.image.bytes).equals(plain)).toBe(true);
  });

  it('ignores the markers unless created for tests: they are plain prompt text then', async () => {
    const real = createOfflineProvider({});
    const outcomes = await Promise.all(
      [0, 1].map((index) =>
        real.generate(job({ prompt: 'a cat [[offline:content_policy]]', index })),
      ),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    // The marker is drawn from like any other words, not stripped.
    const stripped = await image(real, { prompt: 'a cat', index: 0 });
    const first = outcomes[0]!;
    expect(first.ok && Buffer.from(first.image.bytes).equals(stripped)).toBe(false);
  });

  it('leaves prompts without markers untouched', () => {
    expect(parseMarkers('  two  spaces ')).toEqual({
      refuseAll: false,
      refusedIndexes: new Set(),
      extraDelay: new Map(),
      prompt: '  two  spaces ',
    });
  });
});

describe('offline provider: pixel passes', () => {
  it('doubles pixels with linear interpolation between pixel centres', () => {
    const width = 7;
    const height = 5;
    const src = new Uint8Array(width * height * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7919 + (i >> 4) * 31) & 255;
    const out = new Uint8Array(width * height * 12);
    upscale2x(src, width, height, out);
    // Output pixel (X, Y) sits at source coordinates ((X + 0.5) / 2 - 0.5, ...), clamped.
    const at = (x: number, y: number, c: number) => src[(y * width + x) * 3 + c]!;
    let worst = 0;
    for (let Y = 0; Y < 2 * height; Y++) {
      for (let X = 0; X < 2 * width; X++) {
        const sx = Math.min(width - 1, Math.max(0, (X + 0.5) / 2 - 0.5));
        const sy = Math.min(height - 1, Math.max(0, (Y + 0.5) / 2 - 0.5));
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(width - 1, x0 + 1);
        const y1 = Math.min(height - 1, y0 + 1);
        const fx = sx - x0;
        const fy = sy - y0;
        for (let c = 0; c < 3; c++) {
          const top = at(x0, y0, c) * (1 - fx) + at(x1, y0, c) * fx;
          const bottom = at(x0, y1, c) * (1 - fx) + at(x1, y1, c) * fx;
          const expected = top * (1 - fy) + bottom * fy;
          worst = Math.max(worst, Math.abs(out[(Y * 2 * width + X) * 3 + c]! - expected));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(0.5);
  });

  it('darkens the corners and leaves the centre as it is', () => {
    const size = 64;
    const data = new Uint8Array(size * size * 3).fill(200);
    applyVignette(data, size, size, 3, 0.5);
    const pixel = (x: number, y: number) => data[(y * size + x) * 3]!;
    expect(pixel(32, 32)).toBe(200);
    expect(pixel(0, 0)).toBeLessThan(130);
    expect(pixel(0, 0)).toBeGreaterThan(90);
    expect(pixel(0, 32)).toBeLessThan(200);
    expect(pixel(0, 32)).toBeGreaterThan(pixel(0, 0));
  });
});
