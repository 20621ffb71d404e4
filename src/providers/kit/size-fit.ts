import type { Dimensions } from '../../contract/sizes.ts';

/** What sizes an upstream makes when asked for an exact width and height. */
export interface SizeLimits {
  readonly minSide: number;
  readonly maxSide: number;
  readonly minPixels: number;
  readonly maxPixels: number;
  /** Sides are kept on multiples of this (the latent grid of the models). */
  readonly align: number;
}

/** True when the upstream accepts `width`x`height` as it is. */
export function fitsLimits(width: number, height: number, l: SizeLimits): boolean {
  const pixels = width * height;
  return (
    Math.min(width, height) >= l.minSide &&
    Math.max(width, height) <= l.maxSide &&
    pixels >= l.minPixels &&
    pixels <= l.maxPixels
  );
}

/**
 * The size to ask the upstream for so that the pipeline can resize the result to exactly
 * `width`x`height`: the size itself when the upstream makes it; else the smallest size of the
 * same aspect ratio within the limits (on the grid), or the largest when the request is over
 * them; else, when no size of that exact ratio fits, the nearest ratio that does (the pipeline
 * then crops a sliver while resizing).
 */
export function fitSize(width: number, height: number, l: SizeLimits): Dimensions {
  if (fitsLimits(width, height, l)) return { width, height };
  const g = gcd(width, height);
  const a = width / g;
  const b = height / g;
  const step = lcm(l.align / gcd(l.align, a), l.align / gcd(l.align, b));
  const tooLarge = Math.max(width, height) > l.maxSide || width * height > l.maxPixels;
  const k = tooLarge
    ? Math.floor(Math.min(l.maxSide / Math.max(a, b), Math.sqrt(l.maxPixels / (a * b))) / step) *
      step
    : Math.ceil(Math.max(l.minSide / Math.min(a, b), Math.sqrt(l.minPixels / (a * b))) / step) *
      step;
  if (k > 0 && fitsLimits(a * k, b * k, l)) return { width: a * k, height: b * k };
  return nearestRatio(width / height, l);
}

/** The smallest grid size within the limits whose ratio is nearest to `ratio`. */
function nearestRatio(ratio: number, l: SizeLimits): Dimensions {
  let best: Dimensions | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const first = Math.ceil(l.minSide / l.align) * l.align;
  for (let h = Math.max(l.align, first); h <= l.maxSide; h += l.align) {
    const ideal = Math.round((h * ratio) / l.align) * l.align;
    const w = Math.min(l.maxSide, Math.max(Math.max(l.align, first), ideal));
    if (!fitsLimits(w, h, l)) continue;
    const distance = Math.abs(Math.log(w / h / ratio));
    if (distance < bestDistance - 1e-9) {
      best = { width: w, height: h };
      bestDistance = distance;
    }
  }
  if (!best) throw new Error('no size satisfies the limits');
  return best;
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}

export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
