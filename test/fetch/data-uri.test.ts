import { describe, expect, it } from 'vitest';
import { decodeDataUri } from '../../src/fetch/data-uri.ts';
import { dataUri, makeImage } from './helpers.ts';

const MAX = 10 * 1024 * 1024;

describe('decodeDataUri', () => {
  it.each([
    ['image/png', 'png'],
    ['image/jpeg', 'jpeg'],
    ['image/jpg', 'jpeg'],
    ['image/webp', 'webp'],
  ] as const)('decodes %s', async (type, declared) => {
    const bytes = await makeImage(declared, 32, 24);
    const decoded = decodeDataUri(dataUri(type, bytes), MAX);
    expect(decoded).toEqual({ ok: true, bytes, declared });
  });

  it.each([
    ['data:image/PNG;base64,AAAA', 'lowercase'],
    ['data:Image/png;base64,AAAA', 'lowercase'],
    ['data:image/gif;base64,AAAA', 'data:image/png'],
    ['data:text/html;base64,AAAA', 'data:image/png'],
    ['data:image/png,AAAA', 'exactly'],
    ['data:image/png;charset=utf-8;base64,AAAA', 'exactly'],
    ['data:image/png;BASE64,AAAA', 'exactly'],
    ['data:image/png;base64', 'no comma'],
    ['data:image/png;base64,', 'empty'],
    ['http://example.com/x.png', 'not a data URI'],
  ])('refuses the malformed %s', (uri, phrase) => {
    const decoded = decodeDataUri(uri, MAX);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.reason).toBe('invalid_data_uri');
      expect(decoded.message).toContain(phrase);
    }
  });

  it.each([
    ['characters outside the alphabet', 'iVBO*w0K'],
    ['base64url characters', 'iVBO-w0_'],
    ['whitespace', 'iVBO w0K'],
    ['a newline', 'iVBO\nw0K'],
    ['missing padding', 'iVBORw'],
    ['too much padding', 'iV==='],
    ['padding in the middle', 'iV==iVBO'],
    ['a lone trailing character', 'iVBORw0KG'],
    ['non-zero bits under double padding', 'QR=='],
    ['non-zero bits under single padding', 'QUF='],
  ])('refuses base64 with %s', (_why, payload) => {
    const decoded = decodeDataUri(`data:image/png;base64,${payload}`, MAX);
    expect(decoded).toMatchObject({ ok: false, reason: 'invalid_data_uri' });
  });

  it('refuses an oversize payload from its encoded length, before decoding', () => {
    const limit = Math.ceil(MAX / 3) * 4;
    // Not even valid base64: had it been decoded first, the error would say so instead.
    const payload = '!'.repeat(limit + 4);
    const decoded = decodeDataUri(`data:image/png;base64,${payload}`, MAX);
    expect(decoded).toMatchObject({ ok: false, reason: 'too_large' });
    if (!decoded.ok) expect(decoded.message).toBe('the image is larger than 10 MB');
  });

  it('accepts exactly the limit and refuses one byte more', () => {
    const exact = Buffer.alloc(MAX, 7);
    expect(decodeDataUri(dataUri('image/png', exact), MAX).ok).toBe(true);
    const over = Buffer.alloc(MAX + 1, 7);
    // MAX + 1 bytes still fit the encoded-length bound; the decoded length catches them.
    expect(dataUri('image/png', over).length - 22).toBeLessThanOrEqual(Math.ceil(MAX / 3) * 4);
    expect(decodeDataUri(dataUri('image/png', over), MAX)).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'image/constructor'])(
    'finds no media type named %s on Object.prototype',
    (name) => {
      expect(decodeDataUri(`data:${name};base64,AAAA`, MAX)).toEqual({
        ok: false,
        reason: 'invalid_data_uri',
        message: 'data URIs must be data:image/png, data:image/jpeg or data:image/webp',
      });
    },
  );
});
