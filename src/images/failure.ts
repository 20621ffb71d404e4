import type { ErrorCode } from '../contract/error-codes.ts';

/**
 * Why a generation delivered nothing: the use case's own answer, with no HTTP in it.
 * src/http/generation-failure.ts turns each into the contract's error response.
 */
export type GenerationFailure =
  | { readonly kind: 'insufficient_credits'; readonly required: number; readonly available: number }
  /** A source image could not be loaded or is not an image (goodtake's own check). */
  | { readonly kind: 'invalid_source'; readonly message: string }
  /** The provider refused the prompt, an input or the output. */
  | { readonly kind: 'content_policy'; readonly message: string | undefined }
  /** The provider refused an input image as unusable. */
  | { readonly kind: 'invalid_input'; readonly message: string | undefined }
  /** Every route is at capacity. */
  | { readonly kind: 'rate_limited'; readonly retryAfter: number | undefined }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'internal' };

export type GenerationFailureKind = GenerationFailure['kind'];

/** The contract's error code of each failure: what the generation record keeps. */
export const FAILURE_CODE: Readonly<Record<GenerationFailureKind, ErrorCode>> = {
  insufficient_credits: 'insufficient_credits',
  invalid_source: 'invalid_image',
  content_policy: 'content_policy_violation',
  invalid_input: 'invalid_image',
  rate_limited: 'service_unavailable',
  timeout: 'upstream_timeout',
  unavailable: 'upstream_error',
  internal: 'internal_error',
};
