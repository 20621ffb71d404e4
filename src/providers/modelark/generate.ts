import type { LimitFunction } from 'p-limit';
import { backoffCeilingMs, backoffSleep } from '../kit/backoff.ts';
import {
  FAILURE_MESSAGES,
  failure,
  type UpstreamIdTracker,
  withUpstreamId,
} from '../kit/failures.ts';
import { retrieveImage } from '../kit/retrieve.ts';
import { checkSources } from '../kit/sources.ts';
import type { ThroughputGuard } from '../kit/throughput-guard.ts';
import type { GenerationJob, GenerationOutcome } from '../provider.ts';
import { type CallResult, callUpstream } from './call.ts';
import { classifyUpstreamError } from './error-codes.ts';
import type { ResolvedModelArkOptions } from './options.ts';
import { buildRequestBody } from './request-body.ts';

// When a non-retryable 429 (quota) names no wait, clients are told to come back after this.
const QUOTA_RETRY_AFTER_S = 60;

/**
 * Runs one job: guard, one single-image upstream call with retries of what was certainly not
 * generated (429, 5xx, refused connections), then the image bytes. Never retries after a timeout
 * or a connection lost mid-request: the upstream may be generating, and billing, that image.
 */
export async function generateWithModelArk(
  job: GenerationJob,
  cfg: ResolvedModelArkOptions,
  guard: ThroughputGuard,
  downloads: LimitFunction,
): Promise<GenerationOutcome> {
  const ids: UpstreamIdTracker = { last: undefined };
  return withUpstreamId(await generate(job, cfg, guard, downloads, ids), ids);
}

async function generate(
  job: GenerationJob,
  cfg: ResolvedModelArkOptions,
  guard: ThroughputGuard,
  downloads: LimitFunction,
  ids: UpstreamIdTracker,
): Promise<GenerationOutcome> {
  const log = cfg.log.child({ provider: 'modelark', model: job.model, index: job.index });
  if (job.signal.aborted) return failure('unavailable', FAILURE_MESSAGES.cancelled);
  const sourceProblem = checkSources(job.sources);
  if (sourceProblem) return failure('invalid_input', sourceProblem);

  const admitted = await guard.acquire(job.model, job.signal);
  if (job.signal.aborted) return failure('unavailable', FAILURE_MESSAGES.cancelled);
  if (!admitted.ok) {
    log.warn({ retryAfter: admitted.retryAfter }, 'ModelArk throughput guard full; job refused');
    return failure('rate_limited', FAILURE_MESSAGES.rateLimited, admitted.retryAfter);
  }

  const body = buildRequestBody(job, cfg);
  const ctx = {
    http: cfg.http,
    endpoint: cfg.endpoint,
    apiKey: cfg.apiKey,
    timeoutMs: cfg.requestTimeoutMs,
    signal: job.signal,
    now: cfg.now,
  };
  for (let attempt = 0; ; attempt++) {
    const result: CallResult = await callUpstream(body, ctx);
    if ('requestId' in result && result.requestId !== undefined) ids.last = result.requestId;
    const canRetry = attempt < cfg.maxRetries;
    switch (result.type) {
      case 'image':
        log.debug(
          { requestId: result.requestId, size: result.image.size, attempt },
          'ModelArk generated an image',
        );
        return retrieveImage(result.image, {
          settings: cfg,
          downloads,
          signal: job.signal,
          log,
          upstream: 'ModelArk',
        });
      case 'aborted':
        return failure('unavailable', FAILURE_MESSAGES.cancelled);
      case 'timeout':
        log.warn(
          { timeoutMs: cfg.requestTimeoutMs },
          'ModelArk did not answer in time; not retried',
        );
        return failure('timeout', FAILURE_MESSAGES.timeout);
      case 'malformed':
        log.error(
          { detail: result.detail, requestId: result.requestId },
          'ModelArk reply not understood',
        );
        return failure('unavailable', FAILURE_MESSAGES.unavailable);
      case 'network': {
        log.warn(
          { detail: result.detail, sent: result.sent, attempt },
          'ModelArk connection failed',
        );
        if (result.sent || !canRetry) return failure('unavailable', FAILURE_MESSAGES.unavailable);
        if (!(await backoffSleep(attempt, undefined, cfg, job.signal))) {
          return failure('unavailable', FAILURE_MESSAGES.cancelled);
        }
        continue;
      }
      case 'upstream_error': {
        const { status, error, retryAfterMs, requestId } = result;
        const decision = classifyUpstreamError(status, error.code);
        // The upstream message carries its request id; it goes to the log, never to the client.
        const fields = {
          status,
          code: error.code,
          upstreamMessage: error.message,
          requestId,
          attempt,
        };
        const retryAfter =
          retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
        if (decision.action === 'fail') {
          if (decision.operatorHint) log.error(fields, `ModelArk: ${decision.operatorHint}`);
          else log.warn(fields, 'ModelArk refused the generation');
          const wait =
            decision.kind === 'rate_limited' ? (retryAfter ?? QUOTA_RETRY_AFTER_S) : retryAfter;
          return failure(decision.kind, decision.message, wait);
        }
        const tooLong = retryAfterMs !== undefined && retryAfterMs > cfg.retryMaxMs;
        if (!canRetry || tooLong) {
          log.warn(fields, 'ModelArk still failing; giving up');
          const message =
            decision.exhausted === 'rate_limited'
              ? FAILURE_MESSAGES.rateLimited
              : FAILURE_MESSAGES.unavailable;
          const fallback = Math.max(
            1,
            Math.ceil(backoffCeilingMs(attempt + 1, cfg.retryBaseMs, cfg.retryMaxMs) / 1000),
          );
          const wait = retryAfter ?? (decision.exhausted === 'rate_limited' ? fallback : undefined);
          return failure(decision.exhausted, message, wait);
        }
        log.warn(fields, 'ModelArk failed; retrying');
        if (!(await backoffSleep(attempt, retryAfterMs, cfg, job.signal))) {
          return failure('unavailable', FAILURE_MESSAGES.cancelled);
        }
        continue;
      }
    }
  }
}
