import type { GenerationOutcome, ProviderFailureKind } from '../provider.ts';

/** What an adapter does about one upstream error. */
export type ErrorDecision =
  | {
      readonly action: 'fail';
      readonly kind: ProviderFailureKind;
      /** Safe to show to the API client. */
      readonly message: string;
      /** For the operator's log: what to fix. Present when only the operator can fix it. */
      readonly operatorHint?: string;
    }
  | {
      readonly action: 'retry';
      /** The failure kind once the retries are used up. */
      readonly exhausted: 'rate_limited' | 'unavailable';
    };

/** The client-safe messages of provider failures, the same whichever upstream failed. */
export const FAILURE_MESSAGES = {
  promptRefused: 'The model provider refused the prompt under its content policy.',
  sourceRefused: 'The model provider refused an input image under its content policy.',
  outputRefused: 'The model provider blocked the generated image under its content policy.',
  contentRefused:
    'The model provider refused the prompt, an input image or the generated image under its content policy.',
  sourceUnusable: 'The model provider could not use an input image.',
  rateLimited: 'The model provider is at capacity; retry later.',
  unavailable: 'The model provider is unavailable.',
  misconfigured: 'The model provider is unavailable because of a configuration problem.',
  timeout: 'The model provider did not answer in time.',
  cancelled: 'The generation was cancelled.',
  download: "The model provider's image could not be retrieved.",
} as const;

/** A `fail` decision, with the operator's hint when there is one. */
export function failDecision(
  kind: ProviderFailureKind,
  message: string,
  operatorHint?: string,
): ErrorDecision {
  return operatorHint === undefined
    ? { action: 'fail', kind, message }
    : { action: 'fail', kind, message, operatorHint };
}

/** A failed outcome. */
export function failure(
  kind: ProviderFailureKind,
  message: string,
  retryAfter?: number,
): GenerationOutcome {
  return {
    ok: false,
    failure: retryAfter === undefined ? { kind, message } : { kind, message, retryAfter },
  };
}

/** The outcome of a job whose signal aborted. */
export function cancelled(): GenerationOutcome {
  return failure('unavailable', FAILURE_MESSAGES.cancelled);
}

/** Remembers the upstream's id of the last request or job a generation made. */
export interface UpstreamIdTracker {
  last: string | undefined;
}

/** The outcome with the upstream's id attached (attempt records, logs), when one was seen. */
export function withUpstreamId(
  outcome: GenerationOutcome,
  tracker: UpstreamIdTracker,
): GenerationOutcome {
  return tracker.last === undefined ? outcome : { ...outcome, upstreamRequestId: tracker.last };
}
