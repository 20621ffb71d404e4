import { imageSize } from 'image-size';
import type { Metadata, Sharp } from 'sharp';
import type { OutputEncoding } from '../contract/generate-image.ts';
import type { ModelId } from '../contract/models.ts';
import {
  type AspectRatio,
  type Dimensions,
  type RequestedSize,
  TIER_PRESETS,
} from '../contract/sizes.ts';

export interface NormalizedImage {
  readonly bytes: Buffer;
  readonly format: 'jpeg' | 'png' | 'webp';
  readonly contentType: string;
  readonly ext: string;
  readonly width: number;
  readonly height: number;
}

const FORMATS = {
  jpeg: { contentType: 'image/jpeg', ext: 'jpg' },
  png: { contentType: 'image/png', ext: 'png' },
  webp: { contentType: 'image/webp', ext: 'webp' },
} as const;

/** Output of a provider that is not a decodable image: never stored, never charged. */
export class NotAnImageError extends Error {
  override name = 'NotAnImageError';
}

const MAX_INPUT_PIXELS = 40_000_000;
const HEADER_FORMATS: ReadonlyMap<string, 'jpeg' | 'png' | 'webp'> = new Map([
  ['jpg', 'jpeg'],
  ['png', 'png'],
  ['webp', 'webp'],
]);

/**
 * Format and size from the image header (image-size reads only the header bytes): the common
 * case, an upstream image of exactly the size asked, needs no trip into libvips.
 */
function readHeader(
  input: Uint8Array,
): { format: 'jpeg' | 'png' | 'webp'; width: number; height: number } | undefined {
  try {
    const info = imageSize(input);
    const format = info.type ? HEADER_FORMATS.get(info.type) : undefined;
    if (!format || !info.width || !info.height) return undefined;
    return { format, width: info.width, height: info.height };
  } catch {
    return undefined;
  }
}

/** The bytes as a Buffer, without copying them. */
function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** The 1K preset whose aspect ratio is nearest to the given one. */
function nearestOneK(width: number, height: number): Dimensions {
  const ratio = Math.log(width / height);
  let best: Dimensions = TIER_PRESETS['1K']['1:1'];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of Object.keys(TIER_PRESETS['1K']) as AspectRatio[]) {
    const d = TIER_PRESETS['1K'][key];
    const distance = Math.abs(Math.log(d.width / d.height) - ratio);
    if (distance < bestDistance) {
      best = d;
      bestDistance = distance;
    }
  }
  return best;
}

/** The size an image must have for the request, or undefined when it may stay as generated. */
export function targetSize(size: RequestedSize, actual: Dimensions): Dimensions | undefined {
  if (size.kind === 'exact') {
    return actual.width === size.width && actual.height === size.height ? undefined : size;
  }
  if (size.tier === '1K' && actual.width * actual.height > 1.5 * 1024 * 1024) {
    // Seedream 4.5 has no 1K: the upstream renders 2K and goodtake delivers about 1 MP.
    return nearestOneK(actual.width, actual.height);
  }
  return undefined;
}

/** Whether an image of `format` must be re-encoded for the requested output. */
function needsEncoding(output: OutputEncoding | undefined, format: string): boolean {
  return output !== undefined && (output.format !== format || output.compression !== undefined);
}

/** Encodes a pipeline as the requested output, or as JPEG (what resized images have been). */
function encode(pipeline: Sharp, output: OutputEncoding | undefined): Sharp {
  const quality = (fallback: number) =>
    output?.compression === undefined ? fallback : Math.min(100, Math.max(1, output.compression));
  switch (output?.format ?? 'jpeg') {
    case 'png':
      return pipeline.png();
    case 'webp':
      return pipeline.webp({ quality: quality(90) });
    case 'jpeg':
      return pipeline.jpeg({ quality: quality(92) });
  }
}

/**
 * Measures what a provider produced from the file itself, resizes it to exactly the requested
 * size when the upstream had to generate a larger one (the contract's "What the gateway
 * fulfils"), and re-encodes it when the client asked for another format. The result's width,
 * height and format are those of the bytes returned, which are the bytes stored.
 */
export async function normalizeImage(
  input: Uint8Array,
  size: RequestedSize,
  _model: ModelId,
  output?: OutputEncoding,
): Promise<NormalizedImage> {
  const header = readHeader(input);
  if (
    header &&
    header.width * header.height <= MAX_INPUT_PIXELS &&
    !targetSize(size, header) &&
    !needsEncoding(output, header.format)
  ) {
    return { bytes: asBuffer(input), ...header, ...FORMATS[header.format] };
  }
  // libvips is loaded on the first image that needs it (about 20 MB resident): an upstream
  // that returns the exact size asked never does.
  const { default: sharp } = await import('sharp');
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch {
    throw new NotAnImageError('the provider returned bytes that are not an image');
  }
  const format = meta.format;
  if ((format !== 'jpeg' && format !== 'png' && format !== 'webp') || !meta.width || !meta.height) {
    throw new NotAnImageError(
      `the provider returned an unsupported image (${format ?? 'unknown'})`,
    );
  }
  const target = targetSize(size, { width: meta.width, height: meta.height });
  if (!target && !needsEncoding(output, format)) {
    return {
      bytes: asBuffer(input),
      format,
      ...FORMATS[format],
      width: meta.width,
      height: meta.height,
    };
  }
  let pipeline = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS });
  if (target) {
    pipeline = pipeline.resize(target.width, target.height, { fit: 'cover', position: 'centre' });
  }
  const { data, info } = await encode(pipeline, output).toBuffer({ resolveWithObject: true });
  const written = (output?.format ?? 'jpeg') as NormalizedImage['format'];
  return {
    bytes: data,
    format: written,
    ...FORMATS[written],
    width: info.width,
    height: info.height,
  };
}
