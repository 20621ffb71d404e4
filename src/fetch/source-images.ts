import type { SourceImage } from '../providers/provider.ts';
import { decodeDataUri, formatMegabytes } from './data-uri.ts';
import type { FetchFailure, GuardedFetcher, RefusedAddress } from './guarded-fetch.ts';
import { inspectImage } from './inspect-image.ts';

/** Why an `image_urls` entry was refused. */
export type SourceImageFailureReason =
  | FetchFailure['reason']
  | 'invalid_data_uri'
  | 'not_an_image'
  | 'type_mismatch'
  | 'bad_dimensions'
  | 'undecodable'
  | 'too_many_images';

export type SourceImageLoadOutcome =
  | { readonly ok: true; readonly images: SourceImage[] }
  | {
      readonly ok: false;
      /** The 0-based position in `image_urls` of the entry that failed first. */
      readonly index: number;
      readonly reason: SourceImageFailureReason;
      /** Client-facing, starting with `image_urls[<index>]: `. */
      readonly message: string;
      /** Operator-facing, for logs only (may name internal addresses). */
      readonly detail?: string;
      /** For internal_address: the refused host, address and address class (for the log). */
      readonly refused?: RefusedAddress;
    };

type LoadFailure = Extract<SourceImageLoadOutcome, { ok: false }>;

export interface SourceImageLoaderOptions {
  readonly fetcher: Pick<GuardedFetcher, 'fetchImageBytes' | 'maxBytes'>;
  /** Most entries one request may carry. */
  readonly maxImages: number;
  /** Entries fetched and inspected at once for one request; 4 unless set. */
  readonly concurrency?: number;
}

export interface SourceImageLoader {
  /**
   * `field` is the request field the entries came from, as messages name it (`image_urls`
   * unless given; the OpenAI-compatible edits name theirs `image` or `images`).
   */
  load(
    entries: readonly string[],
    signal?: AbortSignal,
    field?: string,
  ): Promise<SourceImageLoadOutcome>;
}

/**
 * Turns `image_urls` entries (http(s) URLs or data URIs) into checked source images. Entries are
 * processed in parallel up to `concurrency`; the first failure wins and cancels the rest.
 * Images keep the URL the client sent (as normalised by URL parsing, which is what was checked)
 * only when every address on the way was public, so providers that fetch by URL never receive
 * an internal one; the final URL after redirects is not kept, as redirect targets are often
 * short-lived signed links.
 */
export function createSourceImageLoader(options: SourceImageLoaderOptions): SourceImageLoader {
  const { fetcher, maxImages } = options;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const limit = formatMegabytes(fetcher.maxBytes);

  async function loadOne(
    entry: string,
    index: number,
    signal: AbortSignal,
    field: string,
  ): Promise<SourceImage | LoadFailure> {
    const fail = (
      reason: SourceImageFailureReason,
      message: string,
      detail?: string,
      refused?: RefusedAddress,
    ): LoadFailure => ({
      ok: false,
      index,
      reason,
      message: `${field}[${index}]: ${message}`,
      ...(detail === undefined ? {} : { detail }),
      ...(refused === undefined ? {} : { refused }),
    });
    if (/^data:/i.test(entry)) {
      const decoded = decodeDataUri(entry, fetcher.maxBytes);
      if (!decoded.ok) return fail(decoded.reason, decoded.message);
      const info = await inspectImage(decoded.bytes, decoded.declared);
      if (!info.ok) return fail(info.reason, info.message);
      return { bytes: decoded.bytes, format: info.format, width: info.width, height: info.height };
    }
    const fetched = await fetcher.fetchImageBytes(entry, signal);
    if (!fetched.ok) {
      return fail(
        fetched.reason,
        fetchMessage(fetched, limit, field),
        fetched.detail,
        fetched.refused,
      );
    }
    const info = await inspectImage(fetched.bytes);
    if (!info.ok) return fail(info.reason, info.message);
    const image = {
      bytes: fetched.bytes,
      format: info.format,
      width: info.width,
      height: info.height,
    };
    return fetched.allPublic ? { ...image, url: new URL(entry).href } : image;
  }

  return {
    async load(entries, outer, field = 'image_urls') {
      if (entries.length > maxImages) {
        return {
          ok: false,
          index: maxImages,
          reason: 'too_many_images',
          message: `${field}[${maxImages}]: at most ${maxImages} images are accepted`,
        };
      }
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      if (outer?.aborted) onAbort();
      else outer?.addEventListener('abort', onAbort, { once: true });
      const images: SourceImage[] = new Array(entries.length);
      let first: LoadFailure | undefined;
      let next = 0;
      const worker = async () => {
        while (first === undefined && next < entries.length) {
          const index = next++;
          if (controller.signal.aborted) {
            first = cancelled(index, field);
            break;
          }
          const result = await loadOne(entries[index] ?? '', index, controller.signal, field);
          if ('ok' in result) {
            first ??= result;
            controller.abort();
          } else {
            images[index] = result;
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
      } finally {
        outer?.removeEventListener('abort', onAbort);
      }
      if (first) return first;
      return { ok: true, images };
    },
  };
}

function cancelled(index: number, field: string): LoadFailure {
  return {
    ok: false,
    index,
    reason: 'aborted',
    message: `${field}[${index}]: the request was cancelled`,
  };
}

function fetchMessage(failure: FetchFailure, limit: string, field: string): string {
  switch (failure.reason) {
    case 'internal_address':
      return `${field} may not reference internal addresses`;
    case 'not_found':
    case 'unreachable':
      return failure.status === undefined
        ? failure.message
        : `the image could not be fetched (HTTP ${failure.status})`;
    case 'too_large':
      return `the image is larger than ${limit}`;
    case 'timeout':
      return 'timed out fetching the image';
    case 'too_many_redirects':
      return 'the image could not be fetched (too many redirects)';
    case 'invalid_url':
      return `${failure.message}; entries must be http(s) URLs or data:image/{png|jpeg|webp};base64 URIs`;
    case 'aborted':
      return 'the request was cancelled';
  }
}
