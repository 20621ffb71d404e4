import { describe, expect, it } from 'vitest';
import { inspectImage, sniffFormat } from '../../src/fetch/inspect-image.ts';
import { craftPngHeader, makeImage } from './helpers.ts';

describe('inspectImage', () => {
  it.each(['png', 'jpeg', 'webp'] as const)(
    'accepts a real %s and reads its size',
    async (format) => {
      const bytes = await makeImage(format, 64, 48);
      expect(await inspectImage(bytes)).toEqual({ ok: true, format, width: 64, height: 48 });
      expect(await inspectImage(bytes, format)).toMatchObject({ ok: true });
    },
  );

  it('refuses bytes that are not PNG, JPEG or WebP whatever they claim', async () => {
    const html = Buffer.from('<!doctype html><html><body>not an image</body></html>');
    expect(await inspectImage(html)).toEqual({
      ok: false,
      reason: 'not_an_image',
      message: 'not a PNG, JPEG or WebP image',
    });
    const gif = await (await import('sharp'))
      .default({ create: { width: 20, height: 20, channels: 3, background: '#000' } })
      .gif()
      .toBuffer();
    expect(await inspectImage(gif)).toMatchObject({ reason: 'not_an_image' });
  });

  it('refuses a PNG signature followed by garbage', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('garbage that is not a chunk'),
    ]);
    expect(sniffFormat(bytes)).toBe('png');
    expect(await inspectImage(bytes)).toMatchObject({ ok: false, reason: 'not_an_image' });
  });

  it('refuses a declared type that the bytes contradict', async () => {
    const jpeg = await makeImage('jpeg', 64, 48);
    expect(await inspectImage(jpeg, 'png')).toEqual({
      ok: false,
      reason: 'type_mismatch',
      message: 'the data URI says image/png but the data is a JPEG image',
    });
  });

  it('refuses a header claiming 100000x100000 without decoding it', async () => {
    const bomb = craftPngHeader(100_000, 100_000);
    const started = performance.now();
    const result = await inspectImage(bomb);
    expect(result).toEqual({
      ok: false,
      reason: 'bad_dimensions',
      message: 'the image is 100000x100000 pixels; at most 36,000,000 pixels are accepted',
    });
    // Decoding 10^10 pixels would take minutes and tens of gigabytes.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    [10, 10, 'larger than 14'],
    [14, 200, 'larger than 14'],
    [200, 14, 'larger than 14'],
    [340, 20, 'aspect ratio'],
    [20, 340, 'aspect ratio'],
    [6001, 6000, '36,000,000'],
  ])('refuses %ix%i', async (width, height, phrase) => {
    const result = await inspectImage(craftPngHeader(width, height));
    expect(result).toMatchObject({ ok: false, reason: 'bad_dimensions' });
    if (!result.ok) expect(result.message).toContain(phrase);
  });

  it.each([
    [15, 15],
    [320, 20],
    [20, 320],
    [6000, 6000],
  ])('accepts the edge case %ix%i', async (width, height) => {
    expect(await inspectImage(await makeImage('png', width, height))).toMatchObject({
      ok: true,
      width,
      height,
    });
  });

  it('refuses a 69-byte PNG whose header promises 6000x6000 pixels its data does not hold', async () => {
    const liar = craftPngHeader(6000, 6000);
    expect(liar.length).toBeLessThan(80);
    expect(await inspectImage(liar)).toEqual({
      ok: false,
      reason: 'undecodable',
      message: 'the PNG image could not be decoded (it is truncated or corrupt)',
    });
  });

  it.each([
    ['png', 20],
    ['jpeg', 1],
    ['jpeg', 8],
    ['webp', 8],
  ] as const)('refuses a %s cut short by %i bytes', async (format, cut) => {
    const whole = await makeImage(format, 300, 200);
    const result = await inspectImage(whole.subarray(0, whole.length - cut));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(['undecodable', 'not_an_image']).toContain(result.reason);
  });

  it('refuses a real 10x10 image', async () => {
    expect(await inspectImage(await makeImage('png', 10, 10))).toMatchObject({
      reason: 'bad_dimensions',
    });
  });
});
