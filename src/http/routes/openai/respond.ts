import type { DeliveredImage } from '../../../images/generate-images.ts';
import type { GenerationDelivered } from '../../generation-call.ts';
import { imageUrl } from '../images.ts';
import type { OpenAiImageCall } from './request.ts';

/** Which endpoint answers: its events are `image_generation.*` or `image_edit.*`. */
export type ImageOperation = 'image_generation' | 'image_edit';

/**
 * OpenAI's `usage` as the upstream model reports its own (Seedream counts an image as
 * width x height / 256 output tokens and reports no input tokens). Credits, goodtake's unit
 * of charge, are in the `X-Credits-Used` header.
 */
export function usageOf(images: readonly Pick<DeliveredImage, 'width' | 'height'>[]) {
  const output = images.reduce((sum, i) => sum + Math.round((i.width * i.height) / 256), 0);
  return {
    input_tokens: 0,
    input_tokens_details: { image_tokens: 0, text_tokens: 0 },
    output_tokens: output,
    total_tokens: output,
  };
}

const FORMAT_OF: Readonly<Record<string, 'jpeg' | 'png' | 'webp'>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** `WxH` when every image has that size (OpenAI's `size`), else `auto`. */
function commonSize(images: readonly DeliveredImage[]): string {
  const sizes = new Set(images.map((i) => `${i.width}x${i.height}`));
  return sizes.size === 1 ? [...sizes][0]! : 'auto';
}

/** The fields OpenAI's responses and completed events share besides the image itself. */
function describe(images: readonly DeliveredImage[], call: OpenAiImageCall) {
  return {
    background: 'opaque',
    output_format: FORMAT_OF[images[0]?.contentType ?? ''] ?? 'jpeg',
    quality: call.quality,
    size: commonSize(images),
  };
}

/** Epoch seconds of the generation (its id carries the time), so a replay says the same. */
export function createdOf(generationCreatedMs: number): number {
  return Math.floor(generationCreatedMs / 1000);
}

/**
 * OpenAI's `ImagesResponse` as JSON bytes. Base64 image data is copied in as ASCII rather than
 * run through JSON.stringify (it needs no escaping and is most of the body).
 */
export function imagesResponseJson(
  result: GenerationDelivered,
  call: OpenAiImageCall,
  created: number,
  baseUrl: string,
): Uint8Array<ArrayBuffer> {
  const parts: Buffer[] = [Buffer.from(`{"created":${created},"data":[`)];
  result.images.forEach((img, i) => {
    const comma = i > 0 ? ',' : '';
    if (call.responseFormat === 'b64_json' && img.data) {
      parts.push(
        Buffer.from(`${comma}{"b64_json":"`),
        Buffer.from(img.data.toString('base64'), 'latin1'),
        Buffer.from('"}'),
      );
    } else {
      parts.push(Buffer.from(`${comma}{"url":${JSON.stringify(imageUrl(baseUrl, img))}}`));
    }
  });
  const rest = JSON.stringify({ ...describe(result.images, call), usage: usageOf(result.images) });
  parts.push(Buffer.from(`],${rest.slice(1)}`));
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

/** One server-sent event, as OpenAI names and shapes it. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `image_generation.completed` / `image_edit.completed` for one image: OpenAI's fields, plus
 * the image's permanent `url` (additive).
 */
export function completedEvent(
  operation: ImageOperation,
  image: DeliveredImage,
  call: OpenAiImageCall,
  created: number,
  baseUrl: string,
): string {
  const type = `${operation}.completed`;
  return sseEvent(type, {
    type,
    b64_json: image.data?.toString('base64') ?? '',
    created_at: created,
    ...describe([image], call),
    usage: usageOf([image]),
    url: imageUrl(baseUrl, image),
  });
}
