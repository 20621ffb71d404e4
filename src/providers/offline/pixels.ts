/**
 * Whole-picture pixel passes of the offline provider, done in JavaScript on interleaved 8-bit
 * RGB: each is one pass over memory, where the same effect through librsvg (a full-size
 * gradient) or libvips (a general-purpose resampler) cost several times more per image.
 */

/** Vignette radius in units of half the picture's width/height: reaches past the corners. */
const VIGNETTE_RADIUS = 0.75;
/** Inside this fraction of the radius the vignette leaves pixels untouched. */
const VIGNETTE_START = 0.3;
const LUT_SIZE = 1024;
/** The largest squared radius a pixel can have (a corner): (0.5² + 0.5²) / 0.75². */
const MAX_U2 = 0.5 / (VIGNETTE_RADIUS * VIGNETTE_RADIUS);

/**
 * Darkens the picture towards its corners, in place: black laid over it with an opacity of
 * `strength` times a smoothstep of the distance from the centre (elliptical, following the
 * picture's aspect), from 30 % of the radius outwards. No rim: the ramp eases in and out.
 */
export function applyVignette(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  strength: number,
): void {
  if (strength <= 0) return;
  // Kept fraction of each pixel (fixed point, 1 << 15 = unchanged), by squared radius.
  const lut = new Int32Array(LUT_SIZE + 1);
  for (let i = 0; i <= LUT_SIZE; i++) {
    const u = Math.sqrt((i / LUT_SIZE) * MAX_U2);
    const s = Math.min(1, Math.max(0, (u - VIGNETTE_START) / (1 - VIGNETTE_START)));
    lut[i] = Math.round((1 - strength * s * s * (3 - 2 * s)) * 32768);
  }
  const toIndex = LUT_SIZE / MAX_U2;
  const dx2 = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const dx = (x + 0.5) / width - 0.5;
    dx2[x] = ((dx * dx) / (VIGNETTE_RADIUS * VIGNETTE_RADIUS)) * toIndex;
  }
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5) / height - 0.5;
    const dy2 = ((dy * dy) / (VIGNETTE_RADIUS * VIGNETTE_RADIUS)) * toIndex;
    let i = y * width * channels;
    for (let x = 0; x < width; x++, i += channels) {
      const f = lut[Math.min(LUT_SIZE, (dx2[x]! + dy2) | 0)]!;
      if (f === 32768) continue;
      data[i] = (data[i]! * f + 16384) >> 15;
      data[i + 1] = (data[i + 1]! * f + 16384) >> 15;
      data[i + 2] = (data[i + 2]! * f + 16384) >> 15;
    }
  }
}

/** One row doubled horizontally, times 4: the linear weights 3/4 and 1/4 at the new centres. */
function doubleRow(src: Uint8Array, offset: number, width: number, dst: Uint16Array): void {
  let i = offset;
  let o = 0;
  const last = offset + (width - 1) * 3;
  for (let c = 0; c < 3; c++) {
    const s = src[i + c]!;
    dst[c] = 4 * s;
    dst[3 + c] = width > 1 ? 3 * s + src[i + 3 + c]! : 4 * s;
  }
  if (width === 1) return;
  i += 3;
  o = 6;
  for (; i < last; i += 3, o += 6) {
    const r = 3 * src[i]!;
    const g = 3 * src[i + 1]!;
    const b = 3 * src[i + 2]!;
    dst[o] = r + src[i - 3]!;
    dst[o + 1] = g + src[i - 2]!;
    dst[o + 2] = b + src[i - 1]!;
    dst[o + 3] = r + src[i + 3]!;
    dst[o + 4] = g + src[i + 4]!;
    dst[o + 5] = b + src[i + 5]!;
  }
  for (let c = 0; c < 3; c++) {
    const s = src[i + c]!;
    dst[o + c] = 3 * s + src[i - 3 + c]!;
    dst[o + 3 + c] = 4 * s;
  }
}

/**
 * Upscales 3-channel pixels by exactly two in each direction with linear interpolation between
 * pixel centres (each new pixel 3/4 of its source pixel and 1/4 of the neighbour towards it,
 * edges clamped), into `out` (width * height * 12 bytes). libvips' linear resize, used before,
 * samples at x/2 instead, shifting the picture by a quarter of a pixel, and cost about four
 * times more. The vertical pass works on two 16-bit values at once in 32-bit integers.
 */
export function upscale2x(src: Uint8Array, width: number, height: number, out: Uint8Array): void {
  const rowLength = width * 6;
  if (out.byteLength !== rowLength * height * 2 || src.byteLength !== width * height * 3) {
    throw new RangeError('upscale2x: buffer sizes do not match the dimensions');
  }
  let a = new Uint16Array(rowLength);
  let b = new Uint16Array(rowLength);
  let a32 = new Int32Array(a.buffer);
  let b32 = new Int32Array(b.buffer);
  const pairs = rowLength >> 1;
  // Little-endian: the first byte of a pair is the low one (every platform Node runs on here).
  const out16 = new Uint16Array(out.buffer, out.byteOffset, out.byteLength >> 1);
  doubleRow(src, 0, width, a);
  for (let j = 0; j < pairs; j++) {
    const v = (((a32[j]! << 2) + 0x80008) >> 4) & 0xff00ff;
    out16[j] = v | (v >> 8);
  }
  for (let y = 0; y < height - 1; y++) {
    doubleRow(src, (y + 1) * width * 3, width, b);
    const o1 = (2 * y + 1) * pairs;
    const o2 = o1 + pairs;
    for (let j = 0; j < pairs; j++) {
      const p = a32[j]!;
      const q = b32[j]!;
      const v1 = ((3 * p + q + 0x80008) >> 4) & 0xff00ff;
      const v2 = ((p + 3 * q + 0x80008) >> 4) & 0xff00ff;
      out16[o1 + j] = v1 | (v1 >> 8);
      out16[o2 + j] = v2 | (v2 >> 8);
    }
    [a, b] = [b, a];
    [a32, b32] = [b32, a32];
  }
  const last = (2 * height - 1) * pairs;
  for (let j = 0; j < pairs; j++) {
    const v = (((a32[j]! << 2) + 0x80008) >> 4) & 0xff00ff;
    out16[last + j] = v | (v >> 8);
  }
}

/**
 * A few large pixel buffers kept for reuse: a fresh 12 MB buffer per 2K image costs more in page
 * faults than the upscale that fills it. Holds at most `MAX_FREE` buffers between images.
 */
const MAX_FREE = 2;
const free: Uint8Array[] = [];

/** A buffer of exactly `bytes` bytes, contents undefined; give it back with `releasePixels`. */
export function takePixels(bytes: number): Uint8Array {
  const at = free.findIndex((buffer) => buffer.byteLength === bytes);
  if (at >= 0) return free.splice(at, 1)[0]!;
  return new Uint8Array(bytes);
}

/** Returns a buffer from `takePixels` once nothing reads it any more. */
export function releasePixels(buffer: Uint8Array): void {
  free.push(buffer);
  if (free.length > MAX_FREE) free.shift();
}
