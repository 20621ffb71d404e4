import { type AttemptVerdict, done, verdictFor } from '../kit/attempts.ts';
import {
  FAILURE_MESSAGES,
  failure,
  type UpstreamIdTracker,
  withUpstreamId,
} from '../kit/failures.ts';
import { runGuardedJob } from '../kit/job.ts';
import { retrieveImage } from '../kit/retrieve.ts';
import type { GenerationJob, GenerationOutcome } from '../provider.ts';
import { classifyFalError } from './errors.ts';
import { buildFalInput } from './input.ts';
import { FAL_MAX_SOURCES } from './models.ts';
import type { ResolvedFalOptions } from './options.ts';
import { type RunResult, runQueued } from './queue.ts';

/**
 * Runs one job on fal's queue: guard, then submit → status until done → result, retried
 * (as a new submission) only when fal says the failure is retryable or nothing was queued, then
 * the image downloaded at once. A job whose signal aborts, or that runs out of time, has its
 * fal request cancelled.
 */
export async function generateWithFal(
  job: GenerationJob,
  cfg: ResolvedFalOptions,
): Promise<GenerationOutcome> {
  const log = cfg.log.child({ provider: 'fal', model: job.model, index: job.index });
  const endpoints = job.upstreamModel
    ? { textToImage: `${job.upstreamModel}/text-to-image`, edit: `${job.upstreamModel}/edit` }
    : cfg.endpoints[job.model];
  const endpointId = job.sources.length > 0 ? endpoints.edit : endpoints.textToImage;
  const input = buildFalInput(job, cfg);
  const spec = { upstream: 'fal.ai', log, maxSources: FAL_MAX_SOURCES, guardKey: job.model };
  const ids: UpstreamIdTracker = { last: undefined };
  const outcome = await runGuardedJob(job, cfg, spec, async (attempt, signal, interrupted) => {
    const run = await runQueued(endpointId, input, { cfg, signal, log });
    if ('requestId' in run && run.requestId !== undefined) ids.last = run.requestId;
    return judge(run, attempt, job, cfg, log, interrupted);
  });
  return withUpstreamId(outcome, ids);
}

async function judge(
  run: RunResult,
  attempt: number,
  job: GenerationJob,
  cfg: ResolvedFalOptions,
  log: ResolvedFalOptions['log'],
  interrupted: () => GenerationOutcome,
): Promise<AttemptVerdict> {
  switch (run.type) {
    case 'image':
      log.debug({ requestId: run.requestId, attempt }, 'fal.ai generated an image');
      return done(
        await retrieveImage(run.image, {
          settings: cfg,
          downloads: cfg.downloads,
          signal: job.signal,
          log: log.child({ requestId: run.requestId }),
          upstream: 'fal.ai',
        }),
      );
    case 'blocked':
      log.warn({ requestId: run.requestId }, 'fal.ai safety checker removed the image');
      return done(failure('content_policy', FAILURE_MESSAGES.outputRefused));
    case 'interrupted':
      return done(interrupted());
    case 'failed':
      log.warn({ detail: run.detail, requestId: run.requestId, attempt }, 'fal.ai request failed');
      if (run.retryable) return { type: 'retry', exhausted: 'unavailable' };
      return done(failure('unavailable', FAILURE_MESSAGES.unavailable));
    case 'error': {
      const { error } = run;
      const fields = {
        status: error.status,
        types: error.types,
        locs: error.locs,
        upstreamMessage: error.message,
        retryable: error.retryable,
        requestId: run.requestId,
        attempt,
      };
      return verdictFor(classifyFalError(error), run.retryAfterMs, log, fields, 'fal.ai');
    }
  }
}
