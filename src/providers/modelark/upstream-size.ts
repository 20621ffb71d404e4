import type { ModelId } from '../../contract/models.ts';
import type { Dimensions, RequestedSize, SizeTier } from '../../contract/sizes.ts';
import { gcd, lcm } from '../kit/size-fit.ts';

/** Smallest total pixel count the upstream accepts for `WxH`, per model. */
export const MIN_PIXELS: Readonly<Record<ModelId, number>> = {
  'seedream-4-5-251128': 3_686_400,
  'seedream-4-0-250828': 921_600,
};
export const MAX_PIXELS = 16_777_216;
/** Width/height must lie in [1/MAX_ASPECT, MAX_ASPECT]. */
export const MAX_ASPECT = 16;

/** The `size` tokens each model accepts (4.5 refuses `1K`). */
export const SIZE_TOKENS: Readonly<Record<ModelId, readonly SizeTier[]>> = {
  'seedream-4-5-251128': ['2K', '4K'],
  'seedream-4-0-250828': ['1K', '2K', '4K'],
};

// Sides are kept on multiples of 16, the grid the upstream's own presets use.
const ALIGN = 16;
// Exact-ratio sizes may overshoot the minimum by this much before an approximate ratio is used.
const MAX_OVERSHOOT = 1.15;

/**
 * The `size` to send upstream for a requested size. Tokens pass through (4.5 `1K` becomes `2K`;
 * the pipeline shrinks the result). Exact sizes the model accepts pass through; smaller ones
 * become the smallest valid size of the same aspect ratio, which the pipeline shrinks back.
 */
export function upstreamSize(model: ModelId, size: RequestedSize): string {
  if (size.kind === 'auto') return SIZE_TOKENS[model].includes(size.tier) ? size.tier : '2K';
  const { width, height } = smallestValidSize(size.width, size.height, MIN_PIXELS[model]);
  return `${width}x${height}`;
}

/**
 * `width`x`height` if it has at least `minPixels` pixels and an allowed aspect ratio, otherwise the
 * smallest size of the same (clamped) aspect ratio, on a 16-pixel grid, with at least `minPixels`.
 */
export function smallestValidSize(width: number, height: number, minPixels: number): Dimensions {
  const ratio = Math.min(MAX_ASPECT, Math.max(1 / MAX_ASPECT, width / height));
  if (width * height >= minPixels && ratio === width / height) return { width, height };
  if (ratio === width / height) {
    const exact = exactRatioSize(width, height, minPixels);
    if (exact) return exact;
  }
  return approximateRatioSize(ratio, minPixels);
}

function exactRatioSize(width: number, height: number, minPixels: number): Dimensions | undefined {
  const g = gcd(width, height);
  const a = width / g;
  const b = height / g;
  // Both a·k and b·k must land on the grid.
  const step = lcm(ALIGN / gcd(ALIGN, a), ALIGN / gcd(ALIGN, b));
  const k = Math.ceil(Math.sqrt(minPixels / (a * b)) / step) * step;
  const out = { width: a * k, height: b * k };
  const pixels = out.width * out.height;
  return pixels <= minPixels * MAX_OVERSHOOT && pixels <= MAX_PIXELS ? out : undefined;
}

function approximateRatioSize(ratio: number, minPixels: number): Dimensions {
  let h = Math.max(ALIGN, Math.floor(Math.sqrt(minPixels / ratio) / ALIGN) * ALIGN);
  for (; ; h += ALIGN) {
    let w = Math.max(ALIGN, Math.round((h * ratio) / ALIGN) * ALIGN);
    while (w / h < 1 / MAX_ASPECT) w += ALIGN;
    while (w / h > MAX_ASPECT) w -= ALIGN;
    if (w * h >= minPixels) return { width: w, height: h };
  }
}
