import { deadline } from '../../deadline.ts';
import type { HttpClient } from './http-client.ts';

/** The bytes of an upstream image, or why they could not be had. */
export type ImageBytesResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | {
      readonly ok: false;
      /** A later attempt may succeed (network trouble, 5xx, timeout). */
      readonly retryable: boolean;
      readonly aborted: boolean;
      readonly detail: string;
    };

/** The download was cancelled (the job's signal aborted): neither a failure nor retryable. */
export const ABORTED_DOWNLOAD: ImageBytesResult = {
  ok: false,
  retryable: false,
  aborted: true,
  detail: 'aborted',
};

export interface DownloadContext {
  readonly http: HttpClient;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
}

/**
 * Downloads an upstream result URL, streamed under a byte cap and a timeout. The URL is used
 * exactly as received: signed storage URLs break when their `%`/`&` are escaped again.
 */
export async function downloadImage(url: string, ctx: DownloadContext): Promise<ImageBytesResult> {
  if (!/^https?:\/\//i.test(url)) return failed(false, 'not an http(s) URL');
  const limit = deadline(ctx.signal, ctx.timeoutMs);
  const signal = limit.signal;
  const interrupted = (): ImageBytesResult | undefined => {
    if (ctx.signal.aborted) return ABORTED_DOWNLOAD;
    if (limit.expired) return failed(true, `no complete answer within ${ctx.timeoutMs} ms`);
    return undefined;
  };
  try {
    const response = await ctx.http.send(url, { method: 'GET', signal });
    if (response.status < 200 || response.status > 299) {
      await response.discard();
      const status = response.status;
      return failed(status === 408 || status === 429 || status >= 500, `HTTP ${status}`);
    }
    const declared = Number(response.header('content-length') ?? Number.NaN);
    if (declared > ctx.maxBytes) {
      await response.discard();
      return failed(false, `declared ${declared} bytes, over the ${ctx.maxBytes}-byte cap`);
    }
    return await readCapped(response.body, ctx.maxBytes, declared);
  } catch (error) {
    return interrupted() ?? failed(true, error instanceof Error ? error.message : String(error));
  } finally {
    limit.dispose();
  }
}

/**
 * Reads the body under the cap. With a declared length the bytes go straight into one buffer
 * of that size (no list of chunks to concatenate afterwards); a body longer or shorter than
 * it declared is refused like the network error it is.
 */
async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  declared: number,
): Promise<ImageBytesResult> {
  const exact = Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
  const target = exact === undefined ? undefined : Buffer.allocUnsafe(exact);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop early (over the cap) ends the body.
  for await (const chunk of body) {
    const end = total + chunk.byteLength;
    if (end > maxBytes) return failed(false, `more than the ${maxBytes}-byte cap`);
    if (target) {
      if (end > target.byteLength) return failed(true, 'longer than its declared length');
      target.set(chunk, total);
    } else {
      chunks.push(chunk);
    }
    total = end;
  }
  if (total === 0) return failed(true, 'empty body');
  if (target) {
    if (total !== target.byteLength) return failed(true, 'shorter than its declared length');
    return { ok: true, bytes: target };
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/** Decodes a `b64_json` image (bare base64; a `data:` prefix is tolerated). */
export function decodeBase64Image(data: string, maxBytes: number): ImageBytesResult {
  const comma = data.startsWith('data:') ? data.indexOf(',') : -1;
  const payload = comma >= 0 ? data.slice(comma + 1) : data;
  if (payload.length > Math.ceil(maxBytes / 3) * 4 + 4) {
    return failed(false, `more than the ${maxBytes}-byte cap`);
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.byteLength === 0) return failed(false, 'empty or invalid base64');
  if (bytes.byteLength > maxBytes) return failed(false, `more than the ${maxBytes}-byte cap`);
  return { ok: true, bytes };
}

function failed(retryable: boolean, detail: string): ImageBytesResult {
  return { ok: false, retryable, aborted: false, detail };
}

/** True for JPEG (what Seedream makes), PNG or WebP signatures: anything else is not an image. */
export function looksLikeImage(bytes: Uint8Array): boolean {
  const at = (i: number): number => bytes[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return true;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return true;
  const ascii = (from: number, to: number): string =>
    Buffer.from(bytes.subarray(from, to)).toString('latin1');
  return ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
}
