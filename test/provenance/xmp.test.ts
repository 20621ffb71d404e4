import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedXmp, type XmpFormat } from '../../src/provenance/xmp/embed.ts';
import { buildXmpPacket, DIGITAL_SOURCE_TYPE } from '../../src/provenance/xmp/packet.ts';
import { exiftool, hasExiftool } from '../helpers/exiftool.ts';

const packet = (aiSystem = 'seedream-4-5-251128 (offline)') =>
  buildXmpPacket({
    digitalSourceType: DIGITAL_SOURCE_TYPE.generated,
    aiSystem,
    creatorTool: 'goodtake 0.1.0',
    createdAt: new Date('2026-08-02T10:00:00Z'),
  });

const gradient = (width: number, height: number, channels: 3 | 4) => {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 9)) & 255;
  return sharp(raw, { raw: { width, height, channels } });
};

const encode = (format: XmpFormat, options: { alpha?: boolean; lossless?: boolean } = {}) => {
  const img = gradient(96, 64, options.alpha ? 4 : 3);
  if (format === 'jpeg') return img.jpeg({ quality: 85 }).toBuffer();
  if (format === 'png') return img.png().toBuffer();
  return img.webp({ lossless: options.lossless ?? false }).toBuffer();
};

const pixels = (bytes: Uint8Array) => sharp(bytes).raw().toBuffer();

describe('XMP embedding', () => {
  it.each([
    ['jpeg', {}],
    ['png', {}],
    ['png', { alpha: true }],
    ['webp', {}],
    ['webp', { lossless: true }],
    ['webp', { lossless: true, alpha: true }],
  ] as Array<[XmpFormat, { alpha?: boolean; lossless?: boolean }]>)(
    'writes %s %j without touching the pixels',
    async (format, options) => {
      const input = await encode(format, options);
      const out = embedXmp(format, input, packet());
      if (!out.ok) throw new Error(out.reason);
      expect(await pixels(out.bytes)).toEqual(await pixels(input));
      const meta = await sharp(out.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, 96, 64]);
      expect(meta.xmp?.toString()).toContain(DIGITAL_SOURCE_TYPE.generated);
      if (options.alpha) expect(meta.hasAlpha).toBe(true);
    },
  );

  it.skipIf(!hasExiftool).each(['jpeg', 'png', 'webp'] as const)(
    'exiftool reads the IPTC digital source type, the AI system and the tool from a %s',
    async (format) => {
      const out = embedXmp(format, await encode(format), packet('seedream-4-0-250828 <x&"y">'));
      if (!out.ok) throw new Error(out.reason);
      const tags = exiftool(out.bytes);
      expect(tags['XMP-iptcExt:DigitalSourceType']).toBe(DIGITAL_SOURCE_TYPE.generated);
      expect(tags['XMP-iptcExt:AISystemUsed']).toBe('seedream-4-0-250828 <x&"y">');
      expect(tags['XMP-xmp:CreatorTool']).toBe('goodtake 0.1.0');
      expect(String(tags['XMP-xmp:CreateDate'])).toMatch(/^2026:08:02 10:00:00/);
      expect(tags).not.toHaveProperty('ExifTool:Warning');
    },
  );

  it.each(['jpeg', 'png', 'webp'] as const)(
    'replaces the XMP a %s already carried instead of adding a second packet',
    async (format) => {
      const first = embedXmp(format, await encode(format), packet('model-one'));
      if (!first.ok) throw new Error(first.reason);
      const second = embedXmp(format, first.bytes, packet('model-two'));
      if (!second.ok) throw new Error(second.reason);
      const text = second.bytes.toString('latin1');
      expect(text).toContain('model-two');
      expect(text).not.toContain('model-one');
      expect(text.split('W5M0MpCehiHzreSzNTczkc9d')).toHaveLength(2);
      expect(second.bytes.length).toBe(first.bytes.length);
    },
  );

  it('puts the JPEG packet after the JFIF and Exif headers and keeps them', async () => {
    const input = await gradient(32, 32, 3)
      .withExif({ IFD0: { Copyright: 'someone' } })
      .jpeg()
      .toBuffer();
    const out = embedXmp('jpeg', input, packet());
    if (!out.ok) throw new Error(out.reason);
    const exif = out.bytes.indexOf('Exif\0\0', 0, 'latin1');
    const xmp = out.bytes.indexOf('http://ns.adobe.com/xap/1.0/', 0, 'latin1');
    expect(exif).toBeGreaterThan(0);
    expect(xmp).toBeGreaterThan(exif);
    expect((await sharp(out.bytes).metadata()).exif).toBeDefined();
  });

  it.each([
    ['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0, 0])],
    ['jpeg', Buffer.from([0xff, 0xd8, 0x00, 0x00, 0x00])],
    ['jpeg', Buffer.from('GIF89a........')],
    [
      'png',
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]),
        Buffer.alloc(40, 0xff),
      ]),
    ],
    ['png', Buffer.alloc(64)],
    ['webp', Buffer.from('RIFF\xff\xff\xff\x7fWEBPVP8 ', 'latin1')],
    ['webp', Buffer.from('RIFF\x0c\x00\x00\x00WEBPABCD\x00\x00\x00\x00', 'latin1')],
  ] as const)(
    'refuses a malformed %s with a reason, never throwing or looping',
    (format, bytes) => {
      const out = embedXmp(format, bytes, packet());
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.reason).toMatch(/\w/);
    },
  );

  it('refuses truncated files of every format at every cut point', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const whole = await encode(format);
      for (let cut = 0; cut < Math.min(whole.length, 400); cut += 7) {
        const out = embedXmp(format, whole.subarray(0, cut), packet());
        if (out.ok) expect(format).toBe('jpeg'); // a JPEG cut inside its scan data still parses
      }
    }
  });
});
