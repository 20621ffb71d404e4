import type { Logger } from 'pino';
import type { GenerationOutcome } from '../provider.ts';
import {
  type BackoffSettings,
  backoffCeilingMs,
  backoffSleep,
  toRetryAfterSeconds,
} from './backoff.ts';
import { type ErrorDecision, FAILURE_MESSAGES, failure } from './failures.ts';

/** What one attempt at a job came to: an outcome, or a failure worth another attempt. */
export type AttemptVerdict =
  | { readonly type: 'done'; readonly outcome: GenerationOutcome }
  | {
      readonly type: 'retry';
      readonly exhausted: 'rate_limited' | 'unavailable';
      /** The upstream's own wait, when it named one. */
      readonly retryAfterMs?: number;
    };

export interface AttemptSettings extends BackoffSettings {
  readonly maxRetries: number;
}

// When a refusal for capacity names no wait, clients are told to come back after this.
const QUOTA_RETRY_AFTER_S = 60;

/**
 * Runs attempts until one is done, waiting a full-jitter backoff (never shorter than the
 * upstream's hint) between them. Gives up when the retries are used up or the hint is longer
 * than the largest backoff; `interrupted` is the outcome when the signal aborts during a wait.
 */
export async function runAttempts(
  attempt: (n: number) => Promise<AttemptVerdict>,
  settings: AttemptSettings,
  signal: AbortSignal,
  interrupted: () => GenerationOutcome,
): Promise<GenerationOutcome> {
  for (let n = 0; ; n++) {
    const verdict = await attempt(n);
    if (verdict.type === 'done') return verdict.outcome;
    const hint = verdict.retryAfterMs;
    if (n >= settings.maxRetries || (hint !== undefined && hint > settings.retryMaxMs)) {
      const message =
        verdict.exhausted === 'rate_limited'
          ? FAILURE_MESSAGES.rateLimited
          : FAILURE_MESSAGES.unavailable;
      // The ceiling the next retry would have had.
      const ceiling = toRetryAfterSeconds(
        backoffCeilingMs(n, settings.retryBaseMs, settings.retryMaxMs),
      );
      const wait =
        hint !== undefined
          ? toRetryAfterSeconds(hint)
          : verdict.exhausted === 'rate_limited'
            ? ceiling
            : undefined;
      return failure(verdict.exhausted, message, wait);
    }
    if (!(await backoffSleep(n, hint, settings, signal))) return interrupted();
  }
}

/**
 * The verdict on an upstream error once classified: a final failure (logged, with the
 * operator's hint when only the operator can fix it) or a retry.
 */
export function verdictFor(
  decision: ErrorDecision,
  retryAfterMs: number | undefined,
  log: Logger,
  fields: Record<string, unknown>,
  upstream: string,
): AttemptVerdict {
  if (decision.action === 'retry') {
    log.warn(fields, `${upstream} failed; retrying if attempts remain`);
    return {
      type: 'retry',
      exhausted: decision.exhausted,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (decision.operatorHint) log.error(fields, `${upstream}: ${decision.operatorHint}`);
  else log.warn(fields, `${upstream} refused the generation`);
  const hint = retryAfterMs === undefined ? undefined : toRetryAfterSeconds(retryAfterMs);
  const wait = decision.kind === 'rate_limited' ? (hint ?? QUOTA_RETRY_AFTER_S) : hint;
  return { type: 'done', outcome: failure(decision.kind, decision.message, wait) };
}

/** A finished verdict. */
export function done(outcome: GenerationOutcome): AttemptVerdict {
  return { type: 'done', outcome };
}
