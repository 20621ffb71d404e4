import { type ErrorDecision, FAILURE_MESSAGES, failDecision as fail } from '../kit/failures.ts';
import type { ReplicateProblem } from './wire.ts';

/** What to do about an error reply to a prediction create (§4.1). */
export function classifyCreateError(p: ReplicateProblem): ErrorDecision {
  if (p.status === 429) return { action: 'retry', exhausted: 'rate_limited' };
  if (p.status >= 500) return { action: 'retry', exhausted: 'unavailable' };
  if (
    p.status === 422 &&
    p.fields.length > 0 &&
    p.fields.every((f) => f.startsWith('input.image_input'))
  ) {
    return fail('invalid_input', FAILURE_MESSAGES.sourceUnusable);
  }
  const hints: Readonly<Record<number, string>> = {
    401: 'Replicate rejected the token: check REPLICATE_API_TOKEN.',
    402: 'Replicate refused for billing: set up billing or add credit on the account.',
    403: 'Replicate refused access: check that the token may run the Seedream models.',
    404: 'Replicate does not know the model: check the configured model names.',
    422: `Replicate refused a request goodtake built (fields ${p.fields.join(', ') || 'unnamed'}): a goodtake bug or a change of the model's schema.`,
  };
  const hint = hints[p.status];
  if (hint) {
    return fail(
      'unavailable',
      p.status === 422 ? FAILURE_MESSAGES.unavailable : FAILURE_MESSAGES.misconfigured,
      hint,
    );
  }
  return fail(
    'unavailable',
    FAILURE_MESSAGES.unavailable,
    `Replicate returned an unexpected error (HTTP ${p.status}).`,
  );
}

// Flagged content: Replicate's E005 ("flagged as sensitive"), or ModelArk's own codes passed
// through (the exact text is UNCERTAIN, §4.1).
const CONTENT = /\bE005\b|flagged|sensitive|nsfw|safety checker|content polic|moderation/i;

/**
 * What a `failed` prediction means. A refusal for content is the answer; anything else is
 * reported as unavailability without a new prediction (a failed run's cause is unknown, and
 * routing decides whether another upstream should try).
 */
export function classifyFailedPrediction(error: string): ErrorDecision {
  if (CONTENT.test(error)) return fail('content_policy', FAILURE_MESSAGES.contentRefused);
  return fail('unavailable', FAILURE_MESSAGES.unavailable);
}
