import type { LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { GenerationOutcome } from '../provider.ts';
import { type BackoffSettings, backoffSleep } from './backoff.ts';
import {
  ABORTED_DOWNLOAD,
  decodeBase64Image,
  downloadImage,
  type ImageBytesResult,
  looksLikeImage,
} from './download.ts';
import { cancelled, FAILURE_MESSAGES, failure } from './failures.ts';
import type { HttpClient } from './http-client.ts';

/** Where an upstream put its image: a URL to download (a `data:` URL is decoded), or base64. */
export type ImageLocation =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'b64'; readonly data: string };

export interface RetrieveSettings extends BackoffSettings {
  readonly http: HttpClient;
  readonly downloadTimeoutMs: number;
  readonly maxDownloadBytes: number;
  readonly maxRetries: number;
}

export interface RetrieveContext {
  readonly settings: RetrieveSettings;
  /** The provider's bound on downloads in progress at once. */
  readonly downloads: LimitFunction;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The upstream's name, for log lines. */
  readonly upstream: string;
}

/**
 * The image's bytes, at once: upstream result links expire (ModelArk's after 24 h, Replicate's
 * within the hour). Downloads are retried (a GET is idempotent and the image is already paid
 * for); a link that is gone (403/404) is a failure, not a wait.
 */
export async function retrieveImage(
  image: ImageLocation,
  ctx: RetrieveContext,
): Promise<GenerationOutcome> {
  const cfg = ctx.settings;
  let result: ImageBytesResult;
  if (image.kind === 'b64' || image.url.startsWith('data:')) {
    result = decodeBase64Image(image.kind === 'b64' ? image.data : image.url, cfg.maxDownloadBytes);
  } else {
    const download = {
      http: cfg.http,
      timeoutMs: cfg.downloadTimeoutMs,
      maxBytes: cfg.maxDownloadBytes,
      signal: ctx.signal,
    };
    for (let attempt = 0; ; attempt++) {
      // Each attempt waits for a download slot (not the backoff between attempts).
      const url = image.url;
      result = await ctx.downloads(() =>
        ctx.signal.aborted ? ABORTED_DOWNLOAD : downloadImage(url, download),
      );
      if (result.ok || !result.retryable || attempt >= cfg.maxRetries) break;
      ctx.log.warn(
        { detail: result.detail, attempt },
        `${ctx.upstream} image download failed; retrying`,
      );
      if (!(await backoffSleep(attempt, undefined, cfg, ctx.signal))) break;
    }
  }
  if (result.ok) {
    if (looksLikeImage(result.bytes)) return { ok: true, image: { bytes: result.bytes } };
    result = { ok: false, retryable: false, aborted: false, detail: 'the bytes are not an image' };
  }
  if (result.aborted || ctx.signal.aborted) return cancelled();
  // A signed query string is a credential for the image; only the path is logged.
  const where =
    image.kind === 'url' && !image.url.startsWith('data:') ? image.url.split('?')[0] : 'base64';
  ctx.log.error(
    { detail: result.detail, where },
    `${ctx.upstream} generated an image that could not be retrieved`,
  );
  return failure('unavailable', FAILURE_MESSAGES.download);
}
