import type { Grade } from './palette.ts';

/** Rec. 709 luma weights: greyscale and saturation changes keep brightness. */
const LR = 0.2126;
const LG = 0.7152;
const LB = 0.0722;

/**
 * Applies a colour grade to interleaved 8-bit pixels (3 or 4 channels; alpha is dropped) and
 * returns 3-channel RGB. Done here rather than with sharp's linear/recomb/modulate, which run in
 * floating point over the whole image and cost several times more.
 */
export function gradePixels(data: Uint8Array, channels: number, grade: Grade): Uint8Array {
  const pixels = Math.floor(data.length / channels);
  const out = new Uint8ClampedArray(pixels * 3);
  const [gr, gg, gb] = grade.gain;
  const [or, og, ob] = grade.offset;
  const s = grade.saturation;
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += channels, o += 3) {
    const r0 = data[i]!;
    const g0 = data[i + 1]!;
    const b0 = data[i + 2]!;
    if (grade.monochrome) {
      const v = (LR * r0 + LG * g0 + LB * b0) * gr + or;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
      continue;
    }
    const r = r0 * gr + or;
    const g = g0 * gg + og;
    const b = b0 * gb + ob;
    const y = LR * r + LG * g + LB * b;
    out[o] = y + s * (r - y);
    out[o + 1] = y + s * (g - y);
    out[o + 2] = y + s * (b - y);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
