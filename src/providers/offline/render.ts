import sharp, { type Sharp } from 'sharp';
import type { Dimensions } from '../../contract/sizes.ts';
import type { Palette } from './palette.ts';
import type { Rng } from './random.ts';
import { type DrawingStyle, sceneSvg } from './scene.ts';

/** JPEG settings matching what the upstream models return. */
export const JPEG_OPTIONS = { quality: 90, mozjpeg: false, chromaSubsampling: '4:2:0' } as const;

/**
 * Scenes are drawn with their longest side at most this long and then upscaled: vector
 * rendering dominates the cost, and the shapes are soft enough that upscaling stays smooth
 * (a larger drawing for 4K sizes was tried: barely crisper at 100 %, half again slower).
 */
export const DRAW_LONG_SIDE = 1024;

/** The size a scene is drawn at for a delivered size: same aspect, longest side capped. */
export function drawSize(target: Dimensions, longSide = DRAW_LONG_SIDE): Dimensions {
  const scale = Math.min(1, longSide / Math.max(target.width, target.height));
  return {
    width: Math.max(1, Math.round(target.width * scale)),
    height: Math.max(1, Math.round(target.height * scale)),
  };
}

/** A scene as a sharp pipeline at exactly the target size (three channels, no alpha). */
export async function scenePipeline(
  target: Dimensions,
  palette: Palette,
  style: DrawingStyle,
  rng: Rng,
): Promise<Sharp> {
  const draw = drawSize(target);
  const svg = await sceneSvg({ ...draw, palette, style, rng, rasterize });
  // Rasterise once before upscaling: libvips loads SVG lazily per tile, and an upscale would
  // have librsvg redraw the whole document for every tile it touches.
  const drawn = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(drawn.data, {
    raw: { width: drawn.info.width, height: drawn.info.height, channels: drawn.info.channels },
  }).resize(target.width, target.height, { fit: 'fill', kernel: 'linear' });
}

/** Draws a scene and encodes it as a JPEG of exactly the target size. */
export async function renderScene(
  target: Dimensions,
  palette: Palette,
  style: DrawingStyle,
  rng: Rng,
): Promise<Buffer> {
  return (await scenePipeline(target, palette, style, rng)).jpeg(JPEG_OPTIONS).toBuffer();
}

function rasterize(svg: string): Promise<Uint8Array> {
  return sharp(Buffer.from(svg)).png({ compressionLevel: 1 }).toBuffer();
}
