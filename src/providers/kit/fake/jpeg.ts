import sharp from 'sharp';

/** How big the fake's JPEGs are: as small as they encode, or padded to about N bytes. */
export type OutputBytes = 'small' | number;

const PALETTE = [
  { r: 200, g: 80, b: 60 },
  { r: 60, g: 140, b: 200 },
  { r: 90, g: 170, b: 90 },
  { r: 220, g: 180, b: 60 },
  { r: 140, g: 90, b: 180 },
  { r: 60, g: 60, b: 60 },
] as const;

const MAX_SEGMENT = 65_533;

/**
 * Renders simple JPEGs (a colour field with a contrasting band, so outputs are not blank) and
 * caches them per size, colour and padding: benchmarks ask for the same few sizes many times.
 */
export function createJpegRenderer(
  outputBytes: () => OutputBytes,
): (width: number, height: number, seed: string) => Promise<Buffer> {
  const cache = new Map<string, Promise<Buffer>>();
  return (width, height, seed) => {
    const colour = PALETTE[hash(seed) % PALETTE.length]!;
    const target = outputBytes();
    const key = `${width}x${height}:${colour.r}:${target}`;
    let found = cache.get(key);
    if (!found) {
      if (cache.size > 64) cache.delete(cache.keys().next().value!);
      found = render(width, height, colour).then((jpeg) =>
        target === 'small' ? jpeg : padJpeg(jpeg, target),
      );
      cache.set(key, found);
    }
    return found;
  };
}

async function render(
  width: number,
  height: number,
  colour: { r: number; g: number; b: number },
): Promise<Buffer> {
  const bandHeight = Math.max(1, Math.round(height / 5));
  const band = await sharp({
    create: {
      width,
      height: bandHeight,
      channels: 3,
      background: { r: 255 - colour.r, g: 255 - colour.g, b: 255 - colour.b },
    },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .composite([{ input: band, top: Math.round((height - bandHeight) / 2), left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Grows a JPEG to about `target` bytes with comment segments right after the SOI marker. */
export function padJpeg(jpeg: Buffer, target: number): Buffer {
  let missing = target - jpeg.byteLength;
  if (missing <= 4) return jpeg;
  const segments: Buffer[] = [];
  while (missing > 4) {
    const payload = Math.min(MAX_SEGMENT, missing - 4);
    const segment = Buffer.alloc(payload + 4, 0x20);
    segment[0] = 0xff;
    segment[1] = 0xfe;
    segment.writeUInt16BE(payload + 2, 2);
    segments.push(segment);
    missing -= payload + 4;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
