import sharp, { type Sharp } from 'sharp';
import type { Dimensions } from '../../contract/sizes.ts';
import type { Palette } from './palette.ts';
import { applyVignette, releasePixels, takePixels, upscale2x } from './pixels.ts';
import type { Rng } from './random.ts';
import { type DrawingStyle, sceneSvg } from './scene.ts';

/**
 * JPEG settings matching what the upstream models return. Huffman tables are not optimised per
 * image: that second pass cost about as much as the rest of the encoding (2K: 32 → 12 ms of
 * CPU) for files about 5 % smaller.
 */
export const JPEG_OPTIONS = {
  quality: 90,
  mozjpeg: false,
  chromaSubsampling: '4:2:0',
  optimiseCoding: false,
} as const;

/**
 * Scenes are drawn with their longest side at most this long and then upscaled: vector
 * rendering dominates the cost, and the shapes are soft enough that upscaling stays smooth
 * (a larger drawing for 4K sizes was tried: barely crisper at 100 %, half again slower).
 */
export const DRAW_LONG_SIDE = 1024;

/**
 * The size a scene is drawn at for a delivered size: same aspect, longest side capped. Sizes
 * around twice the cap (the 2K ones) are drawn at exactly half, so that the upscale is the cheap
 * exact doubling of pixels.ts (2560x1440 is drawn at 1280x720).
 */
export function drawSize(target: Dimensions, longSide = DRAW_LONG_SIDE): Dimensions {
  const long = Math.max(target.width, target.height);
  if (
    long >= 1.75 * longSide &&
    long <= 2.5 * longSide &&
    target.width % 2 === 0 &&
    target.height % 2 === 0
  ) {
    return { width: target.width / 2, height: target.height / 2 };
  }
  const scale = Math.min(1, longSide / long);
  return {
    width: Math.max(1, Math.round(target.width * scale)),
    height: Math.max(1, Math.round(target.height * scale)),
  };
}

/** A scene as a sharp pipeline at exactly the target size; call `done` once it has been read. */
export interface ScenePipeline {
  /** Three channels, no alpha. */
  readonly pipeline: Sharp;
  readonly done: () => void;
}

/** Draws a scene: a sharp pipeline at exactly the target size (three channels, no alpha). */
export async function scenePipeline(
  target: Dimensions,
  palette: Palette,
  style: DrawingStyle,
  rng: Rng,
): Promise<ScenePipeline> {
  const draw = drawSize(target);
  const scene = await sceneSvg({ ...draw, palette, style, rng, rasterize });
  // Rasterise once before upscaling: libvips loads SVG lazily per tile, and an upscale would
  // have librsvg redraw the whole document for every tile it touches.
  const drawn = await sharp(Buffer.from(scene.svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = drawn.info;
  applyVignette(drawn.data, width, height, channels, scene.vignette);
  if (target.width === 2 * width && target.height === 2 * height && channels === 3) {
    const pixels = takePixels(target.width * target.height * 3);
    upscale2x(drawn.data, width, height, pixels);
    return {
      pipeline: sharp(pixels, { raw: { width: target.width, height: target.height, channels } }),
      done: () => releasePixels(pixels),
    };
  }
  const pipeline = sharp(drawn.data, { raw: { width, height, channels } });
  return {
    pipeline:
      width === target.width && height === target.height
        ? pipeline
        : pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'linear' }),
    done: () => {},
  };
}

/** Draws a scene and encodes it as a JPEG of exactly the target size. */
export async function renderScene(
  target: Dimensions,
  palette: Palette,
  style: DrawingStyle,
  rng: Rng,
): Promise<Buffer> {
  const scene = await scenePipeline(target, palette, style, rng);
  try {
    return await scene.pipeline.jpeg(JPEG_OPTIONS).toBuffer();
  } finally {
    scene.done();
  }
}

function rasterize(svg: string): Promise<Uint8Array> {
  return sharp(Buffer.from(svg)).png({ compressionLevel: 1 }).toBuffer();
}
