import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { StoredImage } from '../images/image-records.ts';

/*
 * How a job's images, result and error read in its events, webhooks and status answers. Pure:
 * image URLs are built from the base URL the job was submitted under.
 */

/** The permanent URL of a stored image (the same as src/http/routes/images.ts builds). */
export function imageUrlOf(baseUrl: string, image: Pick<StoredImage, 'id' | 'ext'>): string {
  return `${baseUrl}/images/${image.id}.${image.ext}`;
}

export interface ImageView {
  url: string;
  width: number;
  height: number;
  base64?: string;
}

export function imageView(
  baseUrl: string,
  image: Pick<StoredImage, 'id' | 'ext' | 'contentType' | 'width' | 'height'>,
  data?: Buffer,
): ImageView {
  return {
    url: imageUrlOf(baseUrl, image),
    ...(data ? { base64: `data:${image.contentType};base64,${data.toString('base64')}` } : {}),
    width: image.width,
    height: image.height,
  };
}

/** The seed's `data` object of a finished generation (its 200 body's `data`). */
export function resultData(input: {
  id: string;
  images: ImageView[];
  generationTimeMs: number;
  creditsUsed: number;
  request: Pick<GenerateImageRequest, 'model' | 'prompt'>;
}): Record<string, unknown> {
  return {
    images: input.images,
    generation_time_ms: input.generationTimeMs,
    model: input.request.model,
    prompt: input.request.prompt,
    id: input.id,
    credits_used: input.creditsUsed,
  };
}

/** The links of a generation, relative to the API's base URL. */
export function generationLinks(baseUrl: string, id: string): Record<string, string> {
  const self = `${baseUrl}/api/v1/generations/${id}`;
  return { status_url: self, events_url: `${self}/events`, cancel_url: `${self}/cancel` };
}

/** The contract's error object of a failed job, as stored. */
export interface StoredError {
  code: string;
  message: string;
  retry_after?: number;
}
