import { embedXmpInJpeg } from './jpeg.ts';
import { embedXmpInPng } from './png.ts';
import { embedXmpInWebp } from './webp.ts';

export type EmbedOutcome =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: string };

export type XmpFormat = 'jpeg' | 'png' | 'webp';

const EMBEDDERS: Readonly<Record<XmpFormat, (input: Uint8Array, packet: Buffer) => EmbedOutcome>> =
  {
    jpeg: embedXmpInJpeg,
    png: embedXmpInPng,
    webp: embedXmpInWebp,
  };

/**
 * Writes an XMP packet into the file's own metadata container (JPEG APP1, PNG iTXt, WebP
 * `XMP ` chunk) without decoding or re-encoding the pixels, replacing any XMP it carried.
 */
export function embedXmp(format: XmpFormat, input: Uint8Array, packet: Buffer): EmbedOutcome {
  return EMBEDDERS[format](input, packet);
}
