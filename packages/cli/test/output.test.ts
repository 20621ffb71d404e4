import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImageType } from '../src/input-images.ts';
import { imageExtension, slugify, timestamp, writeNewFile } from '../src/output.ts';
import { tempDir } from './helpers/run.ts';

describe('file names', () => {
  it('slugs prompts readably and briefly', () => {
    expect(slugify('A beautiful sunset over mountains')).toBe('a-beautiful-sunset-over-mountains');
    expect(slugify('Café "Zürich" at 9pm!!')).toBe('cafe-zurich-at-9pm');
    expect(slugify('x [[offline:content_policy]] y')).toBe('x-y');
    expect(slugify('日本の風景')).toBe('image');
    const long = slugify('one two three four five six seven eight nine ten eleven twelve');
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long).toMatch(/^one-two-.*[a-z]$/);
  });

  it('stamps local time as yyyymmdd-hhmmss', () => {
    expect(timestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405');
  });

  it('picks the extension from the data URI, then the URL', () => {
    expect(imageExtension({ url: 'http://x/a.png', base64: 'data:image/webp;base64,AA' })).toBe(
      'webp',
    );
    expect(imageExtension({ url: 'http://x/a.jpeg?v=1' })).toBe('jpg');
    expect(imageExtension({ url: 'http://x/a.png' })).toBe('png');
    expect(imageExtension({ url: 'http://x/a' })).toBe('jpg');
  });

  it('never overwrites: a taken name gets -2, -3, even when written concurrently', async () => {
    const dir = tempDir('goodtake-names-');
    const paths = await Promise.all(
      [1, 2, 3].map((n) => writeNewFile(dir, 'kite-1', 'jpg', new Uint8Array([n]))),
    );
    expect(readdirSync(dir).sort()).toEqual(['kite-1-2.jpg', 'kite-1-3.jpg', 'kite-1.jpg']);
    expect(new Set(paths.map((p) => readFileSync(p)[0])).size).toBe(3);
  });
});

describe('--image type detection', () => {
  it('knows PNG, JPEG and WebP by their magic bytes, and nothing else', async () => {
    const base = sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } });
    expect(sniffImageType(await base.clone().png().toBuffer())).toBe('png');
    expect(sniffImageType(await base.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageType(await base.clone().webp().toBuffer())).toBe('webp');
    expect(sniffImageType(await base.clone().gif().toBuffer())).toBeUndefined();
    expect(sniffImageType(new TextEncoder().encode('RIFF....WAVE'))).toBeUndefined();
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
  });
});
