import type { SourceImage } from '../providers/provider.ts';

/** The input formats blend mode accepts. */
export type ImageFormat = SourceImage['format'];

/** What the upstream accepts as a reference image (research §1.5). */
export const SOURCE_IMAGE_LIMITS = {
  /** Each side must be strictly larger than this. */
  minSideExclusive: 14,
  /** Width/height must lie in [1/maxAspect, maxAspect]. */
  maxAspect: 16,
  maxPixels: 36_000_000,
} as const;

/** A verified image header, or why the bytes were refused (messages are client-safe). */
export type InspectOutcome =
  | {
      readonly ok: true;
      readonly format: ImageFormat;
      readonly width: number;
      readonly height: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'not_an_image' | 'type_mismatch' | 'bad_dimensions' | 'undecodable';
      readonly message: string;
    };

const NAMES: Readonly<Record<ImageFormat, string>> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };

/** Identifies PNG, JPEG or WebP by signature; any Content-Type a server sent is irrelevant. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (sig: readonly number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return undefined;
}

/**
 * Checks that `bytes` are a PNG, JPEG or WebP (by signature, then by sharp's header parser) of
 * dimensions the upstream accepts, and, for data URIs, of the `declared` format, and that they
 * decode. The header is checked first: a header claiming 100000x100000 is refused without
 * allocating a pixel. Then the whole image is decoded on libvips' threads (never the event
 * loop), shrunk as it streams, so a file cut short or a header promising pixels its data does
 * not hold is refused here instead of failing a provider later.
 */
export async function inspectImage(
  bytes: Uint8Array,
  declared?: ImageFormat,
): Promise<InspectOutcome> {
  const format = sniffFormat(bytes);
  if (format === undefined) return notAnImage();
  if (declared !== undefined && declared !== format) {
    return {
      ok: false,
      reason: 'type_mismatch',
      message: `the data URI says image/${declared} but the data is a ${NAMES[format]} image`,
    };
  }
  let width: number;
  let height: number;
  try {
    // metadata() parses headers only, so sharp's own pixel limit is lifted here to let the
    // explicit check below report the real dimensions; pixel decoding elsewhere keeps a limit.
    const { default: sharp } = await import('sharp');
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.format !== format) return notAnImage();
    ({ width, height } = meta.autoOrient);
  } catch {
    return notAnImage();
  }
  const problem = dimensionProblem(width, height);
  if (problem !== undefined) {
    return {
      ok: false,
      reason: 'bad_dimensions',
      message: `the image is ${width}x${height} pixels; ${problem}`,
    };
  }
  if (!(await decodes(bytes))) {
    return {
      ok: false,
      reason: 'undecodable',
      message: `the ${NAMES[format]} image could not be decoded (it is truncated or corrupt)`,
    };
  }
  return { ok: true, format, width, height };
}

/** Whether every pixel of the image can be decoded; nothing of it is kept. */
async function decodes(bytes: Uint8Array): Promise<boolean> {
  const { default: sharp } = await import('sharp');
  try {
    await sharp(bytes, {
      failOn: 'truncated',
      sequentialRead: true,
      limitInputPixels: SOURCE_IMAGE_LIMITS.maxPixels,
    })
      .resize(16, 16, { fit: 'fill' })
      .raw()
      .toBuffer();
    return true;
  } catch {
    return false;
  }
}

function dimensionProblem(width: number, height: number): string | undefined {
  const { minSideExclusive, maxAspect, maxPixels } = SOURCE_IMAGE_LIMITS;
  if (width <= minSideExclusive || height <= minSideExclusive) {
    return `both sides must be larger than ${minSideExclusive} pixels`;
  }
  if (width > height * maxAspect || height > width * maxAspect) {
    return `the aspect ratio must be between 1:${maxAspect} and ${maxAspect}:1`;
  }
  if (width * height > maxPixels) {
    return `at most ${maxPixels.toLocaleString('en-US')} pixels are accepted`;
  }
  return undefined;
}

function notAnImage(): InspectOutcome {
  return { ok: false, reason: 'not_an_image', message: 'not a PNG, JPEG or WebP image' };
}
