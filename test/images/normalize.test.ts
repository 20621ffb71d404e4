import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NotAnImageError, normalizeImage } from '../../src/images/normalize.ts';

const make = (width: number, height: number, format: 'jpeg' | 'png' | 'webp') =>
  sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .toFormat(format)
    .toBuffer();

const M = 'seedream-4-5-251128' as const;

describe('normalizeImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)(
    'keeps a %s of the asked size untouched, measured from its header',
    async (format) => {
      const bytes = await make(1440, 2560, format);
      const out = await normalizeImage(bytes, { kind: 'exact', width: 1440, height: 2560 }, M);
      expect(out.bytes).toBe(bytes); // no copy, no re-encode
      expect(out).toMatchObject({ format, width: 1440, height: 2560 });
      expect(out.contentType).toBe(`image/${format}`);
    },
  );

  it('agrees with sharp on the size of auto-sized outputs', async () => {
    const bytes = await make(2848, 1600, 'jpeg');
    const out = await normalizeImage(bytes, { kind: 'auto', tier: '2K' }, M);
    const meta = await sharp(bytes).metadata();
    expect([out.width, out.height]).toEqual([meta.width, meta.height]);
  });

  it('resizes a larger same-aspect image to exactly the asked size, as JPEG', async () => {
    const out = await normalizeImage(
      await make(960, 960, 'png'),
      { kind: 'exact', width: 512, height: 512 },
      M,
    );
    expect([out.format, out.width, out.height]).toEqual(['jpeg', 512, 512]);
    const meta = await sharp(out.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 512, 512]);
  });

  it('brings a 2K result down to about one megapixel for 1K', async () => {
    const out = await normalizeImage(
      await make(2496, 1664, 'jpeg'),
      { kind: 'auto', tier: '1K' },
      M,
    );
    expect([out.width, out.height]).toEqual([1248, 832]);
  });

  it('refuses bytes that are not an image', async () => {
    await expect(
      normalizeImage(Buffer.from('<html>not an image</html>'), { kind: 'auto', tier: '2K' }, M),
    ).rejects.toBeInstanceOf(NotAnImageError);
  });
});
