import type { ImageFormat } from './inspect-image.ts';

/** A decoded data URI, or why it was refused (messages are safe to show to API clients). */
export type DataUriOutcome =
  | { readonly ok: true; readonly bytes: Buffer; readonly declared: ImageFormat }
  | {
      readonly ok: false;
      readonly reason: 'invalid_data_uri' | 'too_large';
      readonly message: string;
    };

// `image/jpg` is not a registered type, but it is what many hand-written clients send for JPEG;
// accepting it loses nothing, because providers rebuild URIs from the format the bytes prove.
// A Map: the media type is the client's, and `data:constructor;base64,...` must find nothing.
const DECLARED: ReadonlyMap<string, ImageFormat> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/jpg', 'jpeg'],
  ['image/webp', 'webp'],
]);

// The last data character before padding must leave the unused low bits zero; anything else is
// a non-canonical encoding that lenient decoders silently truncate.
const LAST_BEFORE_DOUBLE_PAD = /[AQgw]==$/;
const LAST_BEFORE_SINGLE_PAD = /[AEIMQUYcgkosw048]=$/;

/**
 * Strictly decodes `data:image/{png|jpeg|webp};base64,<payload>`: lowercase media type (as the
 * upstream requires; `image/jpg` is accepted as JPEG), no other parameters, canonical padded
 * base64 with no whitespace, and at most `maxBytes` decoded. The encoded length is checked before
 * anything is decoded. Whether the bytes really are the declared format is for `inspectImage`.
 */
export function decodeDataUri(uri: string, maxBytes: number): DataUriOutcome {
  if (uri.slice(0, 5).toLowerCase() !== 'data:') return invalid('not a data URI');
  // The cheap bound first: no media type with its parameters is 64 characters long, so a URI
  // longer than that plus the largest payload is too large, whatever else is wrong with it.
  if (uri.length > Math.ceil(maxBytes / 3) * 4 + 64) return tooLarge(maxBytes);
  const comma = uri.indexOf(',');
  if (comma === -1) return invalid('malformed data URI (no comma before the data)');
  const [mediaType = '', ...params] = uri.slice(5, comma).split(';');
  const declared = DECLARED.get(mediaType);
  if (declared === undefined) {
    return DECLARED.get(mediaType.toLowerCase()) === undefined
      ? invalid('data URIs must be data:image/png, data:image/jpeg or data:image/webp')
      : invalid(`the media type must be lowercase (data:${mediaType.toLowerCase()};base64,...)`);
  }
  if (params.length !== 1 || params[0] !== 'base64') {
    return invalid(`data URIs must be exactly data:${mediaType};base64,<data>`);
  }
  const payload = uri.slice(comma + 1);
  if (payload.length > Math.ceil(maxBytes / 3) * 4) return tooLarge(maxBytes);
  if (payload.length === 0) return invalid('the data URI is empty');
  if (payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) {
    return invalid('the data URI is not valid base64');
  }
  if (
    (payload.endsWith('==') && !LAST_BEFORE_DOUBLE_PAD.test(payload)) ||
    (!payload.endsWith('==') && payload.endsWith('=') && !LAST_BEFORE_SINGLE_PAD.test(payload))
  ) {
    return invalid('the data URI is not valid base64');
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length > maxBytes) return tooLarge(maxBytes);
  return { ok: true, bytes, declared };
}

/** `10 MB` for 10 MiB: how byte limits are worded in client messages. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

function invalid(message: string): DataUriOutcome {
  return { ok: false, reason: 'invalid_data_uri', message };
}

function tooLarge(maxBytes: number): DataUriOutcome {
  return {
    ok: false,
    reason: 'too_large',
    message: `the image is larger than ${formatMegabytes(maxBytes)}`,
  };
}
