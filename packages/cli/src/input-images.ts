import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** The API's limit on one source image. */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** The image type from the file's first bytes: PNG, JPEG and WebP are what the API takes. */
export function sniffImageType(bytes: Uint8Array): 'png' | 'jpeg' | 'webp' | undefined {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return undefined;
}

/**
 * An `--image` value as the API wants it: http(s) URLs and data URIs as given, local files
 * read and sent as `data:image/<type>;base64,` URIs.
 */
export async function toImageUrl(value: string, cwd: string): Promise<string> {
  if (/^https?:\/\//i.test(value) || /^data:/i.test(value)) return value;
  const path = resolve(cwd, value);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new UsageError(`--image ${value}: no such file (nor an http(s) URL)`, 'generate');
  }
  if (size > MAX_IMAGE_BYTES) {
    throw new UsageError(`--image ${value}: larger than the API's 10 MB per image`, 'generate');
  }
  const bytes = await readFile(path);
  const type = sniffImageType(bytes);
  if (!type) {
    throw new UsageError(`--image ${value}: not a PNG, JPEG or WebP image`, 'generate');
  }
  return `data:image/${type};base64,${bytes.toString('base64')}`;
}
