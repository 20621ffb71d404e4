import {
  MAX_IMAGE_URLS,
  MAX_PROMPT_CHARS,
  MAX_SOURCE_IMAGE_BYTES,
  SUPPORTED_FIELDS,
  unknownFieldProblem,
} from '../../contract/generate-image.ts';
import { formatMegabytes } from '../../fetch/data-uri.ts';
import type { JsonPath } from '../body/json-scan.ts';
import type { JsonBodySpec } from '../body/request-body.ts';
import { ApiError } from '../errors.ts';

/*
 * How large and how shaped a generate-image body may be, from what the endpoint can use:
 * - everything but the entries of `image_urls` fits in 64 KiB: a 4,000-character prompt is at
 *   most 48,000 bytes of JSON even with every character written as a \u escape pair, and the
 *   other fields are short words;
 * - each of the first 10 `image_urls` entries may be a data URI of a 10 MB image (about 14 MB
 *   of base64, allowed twice that for clients that escape every `/` as `\/`);
 * - the whole body stays within GOODTAKE_BODY_LIMIT_BYTES.
 * So a request without source images is refused after 64 KiB, whatever it declares.
 */

/** Bytes of JSON besides the `image_urls` entries. */
export const GENERATE_IMAGE_STRUCTURE_BYTES = 64 * 1024;
/** A prompt of MAX_PROMPT_CHARS code points, each an escaped surrogate pair (12 bytes). */
export const PROMPT_JSON_BYTES = MAX_PROMPT_CHARS * 12;
/** A data URI of a MAX_SOURCE_IMAGE_BYTES image. */
export const DATA_URI_CHARS =
  'data:image/webp;base64,'.length + Math.ceil(MAX_SOURCE_IMAGE_BYTES / 3) * 4;
const OTHER_STRING_BYTES = 1024;
const SUPPORTED = new Set(SUPPORTED_FIELDS);

const isImageEntry = (path: JsonPath) =>
  path.length === 2 &&
  path[0] === 'image_urls' &&
  typeof path[1] === 'number' &&
  path[1] < MAX_IMAGE_URLS;

function unknownField(key: string, cut = false): ApiError {
  const { field, message } = unknownFieldProblem(key, cut);
  return new ApiError('invalid_parameters', message, { field });
}

/** The nesting, member and name bounds of a generation request (the OpenAI routes' too). */
export const GENERATION_BODY_SHAPE = {
  maxDepth: 8,
  maxMembers: 64,
  maxKeyBytes: 256,
  maxStructureBytes: GENERATE_IMAGE_STRUCTURE_BYTES,
} as const;

/** The body bounds of `POST /api/v1/bytedance/generate-image`, worded for its fields. */
export function generateImageBodySpec(maxBodyBytes: number): JsonBodySpec {
  return {
    maxBytes: maxBodyBytes,
    shape: {
      ...GENERATION_BODY_SHAPE,
      stringRule: (path) => {
        if (path.length === 1 && path[0] === 'prompt') return { maxBytes: PROMPT_JSON_BYTES };
        if (isImageEntry(path)) return { maxBytes: 2 * DATA_URI_CHARS, ownBudget: true };
        // Model ids, sizes and modes are short words: a long string anywhere else is refused
        // as the field it is in, not as a body too large.
        return { maxBytes: OTHER_STRING_BYTES };
      },
    },
    describe(failure) {
      if (failure.kind === 'structure_too_large') {
        return new ApiError(
          'payload_too_large',
          `The request body has more than ${failure.limit} bytes besides the entries of image_urls (source images may add up to ${MAX_IMAGE_URLS} of at most ${formatMegabytes(MAX_SOURCE_IMAGE_BYTES)} each, within ${maxBodyBytes} bytes in all)`,
        );
      }
      if (failure.kind === 'syntax') return undefined;
      if (failure.kind === 'key_too_long' && failure.path.length === 0) {
        return unknownField(failure.start, true);
      }
      const [top, index] = failure.path;
      if (typeof top !== 'string') return undefined;
      if (!SUPPORTED.has(top)) return unknownField(top);
      if (failure.kind === 'string_too_long' && top === 'prompt') {
        return new ApiError(
          'invalid_parameters',
          `prompt must be at most ${MAX_PROMPT_CHARS} characters`,
          { field: 'prompt' },
        );
      }
      const tooMany = () =>
        new ApiError(
          'invalid_parameters',
          `image_urls may hold at most ${MAX_IMAGE_URLS} entries`,
          { field: 'image_urls' },
        );
      if (top === 'image_urls' && typeof index === 'number' && index >= MAX_IMAGE_URLS) {
        return tooMany();
      }
      if (failure.kind === 'string_too_long' && top === 'image_urls') {
        return new ApiError(
          'invalid_image',
          `image_urls[${String(index)}]: the image is larger than ${formatMegabytes(MAX_SOURCE_IMAGE_BYTES)}`,
        );
      }
      if (failure.kind === 'too_many_members' && top === 'image_urls' && index === undefined) {
        return tooMany();
      }
      return undefined;
    },
  };
}
