import {
  MAX_IMAGE_URLS,
  MAX_PROMPT_CHARS,
  MAX_SOURCE_IMAGE_BYTES,
} from '../../../contract/generate-image.ts';
import { formatMegabytes } from '../../../fetch/data-uri.ts';
import type { JsonPath } from '../../body/json-scan.ts';
import type { JsonBodySpec } from '../../body/request-body.ts';
import { ApiError } from '../../errors.ts';
import {
  DATA_URI_CHARS,
  GENERATE_IMAGE_STRUCTURE_BYTES,
  GENERATION_BODY_SHAPE,
  PROMPT_JSON_BYTES,
} from '../generate-image-body.ts';

/*
 * How large and how shaped an OpenAI-compatible JSON body may be, from what the routes can use
 * (as generate-image-body.ts does for the native endpoint): everything but the edit's
 * `images[].image_url` entries fits in 64 KiB, a prompt is at most 4,000 characters, every other
 * string is a short word or id, and each image URL may be a data URL of a 10 MB image.
 */

/** `user` (256 characters, escaped) and the short words of the other fields. */
const OTHER_STRING_BYTES = 4096;

const isImageUrl = (path: JsonPath) =>
  path.length === 3 &&
  path[0] === 'images' &&
  typeof path[1] === 'number' &&
  path[1] < MAX_IMAGE_URLS &&
  path[2] === 'image_url';

/** The JSON body bounds of `/v1/images/generations` (no images) or `/v1/images/edits`. */
export function openAiBodySpec(maxBodyBytes: number, withImages: boolean): JsonBodySpec {
  return {
    maxBytes: withImages ? maxBodyBytes : GENERATE_IMAGE_STRUCTURE_BYTES,
    shape: {
      ...GENERATION_BODY_SHAPE,
      stringRule: (path) => {
        if (path.length === 1 && path[0] === 'prompt') return { maxBytes: PROMPT_JSON_BYTES };
        if (withImages && isImageUrl(path)) {
          return { maxBytes: 2 * DATA_URI_CHARS, ownBudget: true };
        }
        return { maxBytes: OTHER_STRING_BYTES };
      },
    },
    describe(failure) {
      if (failure.kind === 'structure_too_large') {
        return new ApiError(
          'payload_too_large',
          withImages
            ? `The request body has more than ${failure.limit} bytes besides the images[].image_url entries`
            : `The request body is larger than ${failure.limit} bytes`,
        );
      }
      if (failure.kind !== 'string_too_long') return undefined;
      const [top, index] = failure.path;
      if (top === 'prompt') {
        return new ApiError(
          'invalid_parameters',
          `prompt must be at most ${MAX_PROMPT_CHARS} characters`,
          { field: 'prompt', reason: 'invalid_value' },
        );
      }
      if (top === 'images' && typeof index === 'number') {
        return new ApiError(
          'invalid_image',
          `images[${index}]: the image is larger than ${formatMegabytes(MAX_SOURCE_IMAGE_BYTES)}`,
          { field: 'images', reason: 'image_too_large' },
        );
      }
      return undefined;
    },
  };
}
