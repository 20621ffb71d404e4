import sharp from 'sharp';
import type { Dimensions } from '../../contract/sizes.ts';
import type { SourceImage } from '../provider.ts';
import { hex } from './color.ts';
import { gradePixels } from './grade.ts';
import type { Palette } from './palette.ts';
import type { Rng } from './random.ts';
import { drawSize, JPEG_OPTIONS, scenePipeline } from './render.ts';
import type { DrawingStyle } from './scene.ts';

const CROPS = ['centre', 'north', 'south', 'east', 'west'] as const;

/** A source image that libvips could not decode; `index` is its place in `image_urls`. */
export class SourceDecodeError extends Error {
  override name = 'SourceDecodeError';
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(`source image ${index} could not be decoded`, { cause });
    this.index = index;
  }
}

/**
 * Blending happens with the longest side at most this long, then the result is upscaled:
 * full-resolution compositing of 4K images costs seconds, and sources are rarely larger.
 */
export const BLEND_LONG_SIDE = 2048;

/**
 * Blend mode: the sources, each cropped to cover the target, averaged with per-image weights;
 * the prompt's scene laid over them in soft light; then the prompt's colour grade.
 */
export async function renderBlend(
  sources: readonly SourceImage[],
  target: Dimensions,
  palette: Palette,
  style: DrawingStyle,
  rng: Rng,
): Promise<Buffer> {
  const work = drawSize(target, BLEND_LONG_SIDE);
  const { width, height } = work;
  const weights = sources.map(() => rng.range(0.7, 1.3));
  const crops = sources.map(() => rng.pick(CROPS));
  let total = 0;
  // Laying layer k over the running result with alpha w_k / (w_0 + ... + w_k) yields the
  // weighted average of all layers.
  const alphas = weights.map((w) => {
    total += w;
    return w / total;
  });
  const layers = await Promise.all(
    sources.map((source, k) => {
      const pipeline = sharp(source.bytes, { failOn: 'truncated' })
        .autoOrient()
        .resize(width, height, { fit: 'cover', position: crops[k]!, kernel: 'linear' })
        .flatten({ background: hex(palette.skyBottom) })
        // Greyscale, CMYK and 16-bit sources all become 8-bit sRGB, so layers line up.
        .toColourspace('srgb');
      return (k > 0 ? pipeline.ensureAlpha(alphas[k]!) : pipeline)
        .raw()
        .toBuffer()
        .catch((err: unknown) => {
          throw new SourceDecodeError(k, err);
        });
    }),
  );
  const scene = await scenePipeline(work, palette, style, rng);
  const overlay = await scene.pipeline
    .ensureAlpha(rng.range(0.3, 0.5))
    .raw()
    .toBuffer()
    .finally(scene.done);
  const [base, ...rest] = layers;
  const rgba = { width, height, channels: 4 } as const;
  const mixed = await sharp(base!, { raw: { width, height, channels: 3 } })
    .composite([
      ...rest.map((input) => ({ input, raw: rgba, blend: 'over' as const })),
      { input: overlay, raw: rgba, blend: 'soft-light' as const },
    ])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const graded = gradePixels(mixed.data, mixed.info.channels, palette.grade);
  return sharp(graded, { raw: { width, height, channels: 3 } })
    .resize(target.width, target.height, { fit: 'fill', kernel: 'linear' })
    .jpeg(JPEG_OPTIONS)
    .toBuffer();
}
