import { FAILURE_CODE, type GenerationFailure } from '../images/failure.ts';
import { ApiError } from './errors.ts';

/**
 * The one place a failed generation becomes the contract's error: its code, a message for
 * the client and, where it applies, the field at fault and when to retry.
 */
export function generationFailureError(
  failure: GenerationFailure,
  sourceField: string | undefined,
): ApiError {
  const code = FAILURE_CODE[failure.kind];
  switch (failure.kind) {
    case 'insufficient_credits':
      return new ApiError(
        code,
        `Insufficient credits to complete this request: it needs ${failure.required}, the account has ${failure.available} available`,
      );
    case 'invalid_source':
    case 'invalid_input':
      return new ApiError(code, failure.message ?? 'A source image could not be used', {
        // A refused source names its field where the request named it (OpenAI's `param`).
        ...(sourceField ? { field: sourceField } : {}),
      });
    case 'content_policy':
      return new ApiError(code, failure.message ?? 'The request was refused by the content policy');
    case 'rate_limited':
      return new ApiError(code, 'The model provider is at capacity. Please retry later.', {
        retryAfter:
          failure.retryAfter !== undefined ? Math.max(1, Math.ceil(failure.retryAfter)) : 30,
      });
    case 'timeout':
      return new ApiError(code, 'The model provider did not answer in time');
    case 'unavailable':
      return new ApiError(code, 'The model provider failed to generate the image');
    case 'internal':
      return new ApiError(code, 'An internal error occurred');
  }
}
