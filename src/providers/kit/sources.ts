import type { SourceImage } from '../provider.ts';

/**
 * How a source image is handed to an upstream: by default a data URI of the bytes goodtake
 * already fetched and checked, so the upstream generates from exactly what was validated and a
 * slow, private or short-lived source URL cannot fail the upstream's own fetch; with
 * `sendSourceUrls`, the source's public URL when it has one (smaller request bodies).
 */
export function sourceReference(source: SourceImage, sendSourceUrls: boolean): string {
  if (sendSourceUrls && source.url) return source.url;
  return `data:image/${source.format.toLowerCase()};base64,${Buffer.from(source.bytes).toString('base64')}`;
}

/**
 * Seedream's limits on reference images (the stricter values where the docs disagree), the
 * same behind every upstream that serves it; only how many a route takes differs.
 */
export const SOURCE_LIMITS = {
  maxCount: 14,
  minSide: 15,
  maxAspect: 16,
  maxPixels: 36_000_000,
  maxBytes: 10 * 1024 * 1024,
} as const;

/**
 * A client-safe reason why the upstream would refuse the sources, or undefined when they fit.
 * `maxCount` is the route's own limit when it takes fewer than Seedream does.
 */
export function checkSources(
  sources: readonly SourceImage[],
  maxCount: number = SOURCE_LIMITS.maxCount,
): string | undefined {
  if (sources.length > maxCount) {
    return `the model accepts at most ${maxCount} source images`;
  }
  const { minSide, maxAspect, maxPixels, maxBytes } = SOURCE_LIMITS;
  for (const [i, s] of sources.entries()) {
    const name = `image_urls[${i}]`;
    if (s.width < minSide || s.height < minSide) {
      return `${name} is too small for the model: each side must be at least ${minSide} pixels`;
    }
    const ratio = s.width / s.height;
    if (ratio > maxAspect || ratio < 1 / maxAspect) {
      return `${name} is too narrow for the model: the aspect ratio must be between 1:${maxAspect} and ${maxAspect}:1`;
    }
    if (s.width * s.height > maxPixels) {
      return `${name} is too large for the model: at most ${maxPixels} pixels`;
    }
    if (s.bytes.byteLength > maxBytes) {
      return `${name} is too large for the model: at most ${maxBytes / 1024 / 1024} MB`;
    }
  }
  return undefined;
}
