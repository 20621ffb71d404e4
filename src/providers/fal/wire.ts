import { z } from 'zod';
import { parseJson } from '../kit/exchange.ts';
import type { ImageLocation } from '../kit/retrieve.ts';

/** Where a submitted request lives: the URLs the submit reply gave (never rebuilt). */
export interface FalHandle {
  readonly requestId: string;
  readonly statusUrl: string;
  readonly responseUrl: string;
  readonly cancelUrl: string;
}

const QueueStatus = z.object({
  request_id: z.string().min(1),
  status: z.string().optional(),
  queue_position: z.number().optional(),
  response_url: z.string().min(1),
  status_url: z.string().optional(),
  cancel_url: z.string().optional(),
});

/**
 * The handle from a submit reply. `response_url` is required; `status_url` and `cancel_url`
 * are in every documented reply, and should one be missing it is the documented suffix of
 * `response_url` (`…/requests/{id}/status`, `…/requests/{id}/cancel`), whichever path shape
 * (full endpoint path or `owner/app`, CONFLICT §3.2) fal used.
 */
export function parseSubmitReply(text: string, base: string): FalHandle | undefined {
  const parsed = QueueStatus.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const d = parsed.data;
  try {
    const responseUrl = new URL(d.response_url, base).href;
    return {
      requestId: d.request_id,
      responseUrl,
      statusUrl: new URL(d.status_url ?? `${responseUrl}/status`, base).href,
      cancelUrl: new URL(d.cancel_url ?? `${responseUrl}/cancel`, base).href,
    };
  } catch {
    return undefined;
  }
}

const StatusReply = z.object({
  status: z.string(),
  queue_position: z.number().nullish(),
});

/** A status reply by meaning. `FAILED`/`CANCELED` appear only in some schemas (UNCERTAIN §3.2). */
export type FalStatus =
  | { readonly state: 'waiting'; readonly queuePosition?: number }
  | { readonly state: 'completed' }
  | { readonly state: 'canceled' };

export function parseStatusReply(text: string): FalStatus | undefined {
  const parsed = StatusReply.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const status = parsed.data.status.toUpperCase();
  // A failed request reaches COMPLETED and its result carries the error; FAILED/ERROR are read
  // the same way.
  if (status === 'COMPLETED' || status === 'FAILED' || status === 'ERROR') {
    return { state: 'completed' };
  }
  if (status === 'CANCELED' || status === 'CANCELLED') return { state: 'canceled' };
  const position = parsed.data.queue_position;
  return typeof position === 'number'
    ? { state: 'waiting', queuePosition: position }
    : { state: 'waiting' };
}

const Output = z.object({
  images: z.array(z.object({ url: z.string().min(1) }).loose()),
  has_nsfw_concepts: z.array(z.boolean()).optional(),
});

/** A result body by meaning. */
export type FalOutput =
  | { readonly type: 'image'; readonly image: ImageLocation }
  /** No image, and the safety checker says why. */
  | { readonly type: 'blocked' }
  | { readonly type: 'malformed'; readonly detail: string };

export function parseOutput(text: string): FalOutput {
  const parsed = Output.safeParse(parseJson(text));
  if (!parsed.success) return { type: 'malformed', detail: 'reply is not a Seedream output' };
  const first = parsed.data.images[0];
  // A `data:` URL (sync_mode) is decoded by the retrieval, not downloaded.
  if (first) return { type: 'image', image: { kind: 'url', url: first.url } };
  if (parsed.data.has_nsfw_concepts?.some(Boolean)) return { type: 'blocked' };
  return { type: 'malformed', detail: 'the output has no image' };
}

const DetailItem = z
  .object({
    loc: z.array(z.union([z.string(), z.number()])).optional(),
    msg: z.string().optional(),
    type: z.string().optional(),
  })
  .loose();
const ErrorBody = z.object({ detail: z.union([z.string(), z.array(DetailItem)]) }).loose();

/** An error reply of fal's: its status, `detail[]` and headers (§3.4). */
export interface FalError {
  readonly status: number;
  /** `detail[].type` values, and `X-Fal-Error-Type`. */
  readonly types: readonly string[];
  /** `detail[].loc` paths joined with dots. */
  readonly locs: readonly string[];
  readonly message: string;
  /** `X-Fal-Retryable`, when sent. */
  readonly retryable?: boolean;
  /** True when the body was fal's error shape (not, say, a proxy's HTML page). */
  readonly falShaped: boolean;
}

export function parseError(
  status: number,
  text: string,
  header: (name: string) => string | undefined,
): FalError {
  const parsed = ErrorBody.safeParse(parseJson(text));
  const items = parsed.success && Array.isArray(parsed.data.detail) ? parsed.data.detail : [];
  const headerType = header('x-fal-error-type');
  const retryableHeader = header('x-fal-retryable')?.trim().toLowerCase();
  const types = items.flatMap((i) => (i.type ? [i.type] : []));
  if (headerType) types.push(headerType);
  const message = parsed.success
    ? typeof parsed.data.detail === 'string'
      ? parsed.data.detail
      : items.map((i) => i.msg ?? '').join('; ')
    : text.slice(0, 300);
  return {
    status,
    types,
    locs: items.map((i) => (i.loc ?? []).join('.')),
    message,
    ...(retryableHeader === 'true' || retryableHeader === 'false'
      ? { retryable: retryableHeader === 'true' }
      : {}),
    falShaped: parsed.success,
  };
}
