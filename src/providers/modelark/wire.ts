import { z } from 'zod';
import type { SseEvent } from './sse.ts';

/** An image the upstream reports: a signed URL to download, or base64 JPEG bytes. */
export type UpstreamImage =
  | { readonly kind: 'url'; readonly url: string; readonly size?: string }
  | { readonly kind: 'b64'; readonly data: string; readonly size?: string };

/** An upstream error object; `code` is '' when the body carried none. */
export interface UpstreamErrorBody {
  readonly code: string;
  readonly message: string;
}

const ErrorObject = z.object({ code: z.string().optional(), message: z.string().optional() });

const ImageItem = z.object({
  url: z.string().optional(),
  b64_json: z.string().optional(),
  size: z.string().optional(),
  error: ErrorObject.optional(),
});

const ImagesResponse = z.object({
  data: z.array(ImageItem).optional(),
  error: ErrorObject.optional(),
});

const ErrorEnvelope = z.union([z.object({ error: ErrorObject }), ErrorObject]);

const StreamPayload = ImageItem.extend({
  type: z.string().optional(),
  image_index: z.number().optional(),
  usage: z.object({ generated_images: z.number().optional() }).optional(),
});

/** The outcome a reply (or stream) reports for the images of one call. */
export type ImagesOutcome =
  | {
      readonly type: 'images';
      readonly images: readonly UpstreamImage[];
      readonly failures: readonly UpstreamErrorBody[];
    }
  | { readonly type: 'error'; readonly error: UpstreamErrorBody }
  | { readonly type: 'malformed'; readonly detail: string };

function toError(e: z.infer<typeof ErrorObject>): UpstreamErrorBody {
  return { code: e.code ?? '', message: e.message ?? '' };
}

function toImage(item: z.infer<typeof ImageItem>): UpstreamImage | undefined {
  const size = item.size === undefined ? {} : { size: item.size };
  if (item.url) return { kind: 'url', url: item.url, ...size };
  if (item.b64_json) return { kind: 'b64', data: item.b64_json, ...size };
  return undefined;
}

/** Reads the error object of a non-2xx reply (`{"error":{…}}`, or flat); code '' if unreadable. */
export function parseErrorBody(text: string): UpstreamErrorBody {
  const parsed = ErrorEnvelope.safeParse(safeJson(text));
  if (!parsed.success) return { code: '', message: text.slice(0, 500) };
  return toError('error' in parsed.data ? parsed.data.error : parsed.data);
}

/** Reads a 2xx non-streamed reply: its images and per-image failures, or a top-level error. */
export function parseImagesResponse(text: string): ImagesOutcome {
  const parsed = ImagesResponse.safeParse(safeJson(text));
  if (!parsed.success) return { type: 'malformed', detail: 'reply is not an images response' };
  if (parsed.data.error) return { type: 'error', error: toError(parsed.data.error) };
  const images: UpstreamImage[] = [];
  const failures: UpstreamErrorBody[] = [];
  for (const item of parsed.data.data ?? []) {
    const image = toImage(item);
    if (image) images.push(image);
    else if (item.error) failures.push(toError(item.error));
  }
  if (images.length === 0 && failures.length === 0) {
    return { type: 'malformed', detail: 'reply has no images and no errors' };
  }
  return { type: 'images', images, failures };
}

/** One event of an image-generation stream, by meaning. */
export type StreamEvent =
  | { readonly kind: 'succeeded'; readonly image: UpstreamImage }
  | { readonly kind: 'failed'; readonly error: UpstreamErrorBody }
  | { readonly kind: 'completed' }
  | { readonly kind: 'error'; readonly error: UpstreamErrorBody }
  | { readonly kind: 'done' }
  | { readonly kind: 'ignored' };

/**
 * Interprets one SSE event. The JSON `type` decides, falling back to the `event:` name, because
 * servers and proxies in the wild do not always send `event:` lines; a payload with no type but
 * an `error` is a request-level error.
 */
export function interpretStreamEvent(event: SseEvent): StreamEvent {
  const data = event.data.trim();
  if (data === '[DONE]') return { kind: 'done' };
  const parsed = StreamPayload.safeParse(safeJson(data));
  if (!parsed.success) return { kind: 'ignored' };
  const payload = parsed.data;
  const type = payload.type ?? event.event;
  switch (type) {
    case 'image_generation.partial_succeeded': {
      const image = toImage(payload);
      return image ? { kind: 'succeeded', image } : { kind: 'ignored' };
    }
    case 'image_generation.partial_failed':
      return { kind: 'failed', error: toError(payload.error ?? {}) };
    case 'image_generation.completed':
      return { kind: 'completed' };
    case 'error':
    case undefined:
      return payload.error ? { kind: 'error', error: toError(payload.error) } : { kind: 'ignored' };
    default:
      return { kind: 'ignored' };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
