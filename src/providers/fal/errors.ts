import { type ErrorDecision, FAILURE_MESSAGES, failDecision as fail } from '../kit/failures.ts';
import type { FalError } from './wire.ts';

/**
 * What to do about one of fal's error replies, at submission or in a result (§3.4).
 * A content-policy refusal or an unusable input is an answer, never retried. Otherwise
 * `X-Fal-Retryable` decides when fal sends it, else the status (429 and 5xx are retried).
 */
export function classifyFalError(e: FalError): ErrorDecision {
  if (e.types.includes('content_policy_violation')) {
    const where = e.locs.join(' ');
    const message = /\bprompt\b/.test(where)
      ? FAILURE_MESSAGES.promptRefused
      : /\bimage_urls\b/.test(where)
        ? FAILURE_MESSAGES.sourceRefused
        : FAILURE_MESSAGES.contentRefused;
    return fail('content_policy', message);
  }
  // fal's errors page types input-file problems as image_* and file_* (too small, too large,
  // could not be loaded or downloaded).
  if (e.types.some((t) => /^(image|file)_/.test(t))) {
    return fail('invalid_input', FAILURE_MESSAGES.sourceUnusable);
  }
  const exhausted = e.status === 429 ? 'rate_limited' : 'unavailable';
  if (e.retryable === true) return { action: 'retry', exhausted };
  if (e.status === 401) {
    return fail(
      'unavailable',
      FAILURE_MESSAGES.misconfigured,
      'fal.ai rejected the key: check FAL_KEY.',
    );
  }
  if (e.status === 402 || e.status === 403) {
    return fail(
      'unavailable',
      FAILURE_MESSAGES.misconfigured,
      `fal.ai refused access (HTTP ${e.status}): check the account's balance and that the key may call the Seedream endpoints.`,
    );
  }
  if (e.status === 404) {
    return fail(
      'unavailable',
      FAILURE_MESSAGES.misconfigured,
      'fal.ai does not know the endpoint or request: check the configured endpoint ids.',
    );
  }
  if (e.types.some((t) => /timeout/.test(t)) && e.retryable === false) {
    return fail('timeout', FAILURE_MESSAGES.timeout);
  }
  if (e.retryable === undefined && (e.status === 429 || e.status >= 500)) {
    return { action: 'retry', exhausted };
  }
  if (e.status === 429) return fail('rate_limited', FAILURE_MESSAGES.rateLimited);
  if (e.status === 400 || e.status === 422) {
    return fail(
      'unavailable',
      FAILURE_MESSAGES.unavailable,
      `fal.ai refused a request goodtake built (HTTP ${e.status}${e.types.length ? `, ${e.types.join(', ')}` : ''}): a goodtake bug or an upstream API change; the upstream message says which field.`,
    );
  }
  return fail(
    'unavailable',
    FAILURE_MESSAGES.unavailable,
    `fal.ai returned an unexpected error (HTTP ${e.status}${e.types.length ? `, ${e.types.join(', ')}` : ''}).`,
  );
}
