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
import { classifyCreateError, classifyFailedPrediction } from './errors.ts';
import { buildReplicateInput } from './input.ts';
import { REPLICATE_PROFILES } from './models.ts';
import type { ResolvedReplicateOptions } from './options.ts';
import { type PredictionResult, runPrediction } from './queue.ts';

/** The throughput guard's bucket: Replicate limits prediction creates per account. */
const GUARD_KEY = 'replicate';

/**
 * Runs one job as one Replicate prediction: guard, create (`Prefer: wait`), polls until it is
 * terminal, then the output downloaded at once (Replicate deletes it within the hour). Creates
 * are retried on 429 (after Replicate's hint), 5xx and refused connections; a job that is
 * abandoned or runs out of time has its prediction cancelled.
 */
export async function generateWithReplicate(
  job: GenerationJob,
  cfg: ResolvedReplicateOptions,
): Promise<GenerationOutcome> {
  const log = cfg.log.child({ provider: 'replicate', model: job.model, index: job.index });
  const { input, directiveDropped } = buildReplicateInput(job, cfg);
  const modelName = job.upstreamModel ?? cfg.modelNames[job.model];
  const maxSources = REPLICATE_PROFILES[job.model].maxSources;
  const spec = { upstream: 'Replicate', log, maxSources, guardKey: GUARD_KEY };
  const ids: UpstreamIdTracker = { last: undefined };
  const outcome = await runGuardedJob(job, cfg, spec, async (attempt, signal, interrupted) => {
    if (directiveDropped && attempt === 0) {
      log.warn({ mode: job.mode }, 'prompt too long for the mode directive; sent without it');
    }
    const run = await runPrediction(modelName, input, { cfg, signal, log });
    if (run.type === 'prediction') ids.last = run.prediction.id;
    else if (run.type === 'failed' && run.predictionId !== undefined) ids.last = run.predictionId;
    return judge(run, attempt, job, cfg, log, interrupted);
  });
  return withUpstreamId(outcome, ids);
}

async function judge(
  run: PredictionResult,
  attempt: number,
  job: GenerationJob,
  cfg: ResolvedReplicateOptions,
  log: ResolvedReplicateOptions['log'],
  interrupted: () => GenerationOutcome,
): Promise<AttemptVerdict> {
  switch (run.type) {
    case 'interrupted':
      if (!job.signal.aborted) {
        log.warn(
          { timeoutMs: cfg.requestTimeoutMs },
          'Replicate did not finish in time; cancelled',
        );
      }
      return done(interrupted());
    case 'failed':
      log.warn(
        { detail: run.detail, predictionId: run.predictionId, attempt },
        'Replicate call failed',
      );
      if (run.retryable) return { type: 'retry', exhausted: 'unavailable' };
      return done(failure('unavailable', FAILURE_MESSAGES.unavailable));
    case 'error': {
      const { problem } = run;
      const fields = {
        status: problem.status,
        title: problem.title,
        upstreamMessage: problem.detail,
        invalidFields: problem.fields,
        attempt,
      };
      return verdictFor(classifyCreateError(problem), run.retryAfterMs, log, fields, 'Replicate');
    }
    case 'prediction': {
      const p = run.prediction;
      const plog = log.child({ predictionId: p.id });
      switch (p.status) {
        case 'succeeded':
          if (p.outputUrl) {
            plog.debug({ attempt }, 'Replicate generated an image');
            return done(
              await retrieveImage(
                { kind: 'url', url: p.outputUrl },
                {
                  settings: cfg,
                  downloads: cfg.downloads,
                  signal: job.signal,
                  log: plog,
                  upstream: 'Replicate',
                },
              ),
            );
          }
          plog.error(
            { dataRemoved: p.dataRemoved },
            'Replicate prediction succeeded without an output',
          );
          return done(
            failure(
              'unavailable',
              p.dataRemoved ? FAILURE_MESSAGES.download : FAILURE_MESSAGES.unavailable,
            ),
          );
        case 'failed':
          return verdictFor(
            classifyFailedPrediction(p.error ?? ''),
            undefined,
            plog,
            { upstreamMessage: p.error, attempt },
            'Replicate',
          );
        default:
          // `aborted`: not started before its Cancel-After deadline; `canceled`: stopped while
          // running, which goodtake only asks for at that same deadline.
          plog.warn(
            { status: p.status },
            'Replicate prediction ended without running to completion',
          );
          return done(failure('timeout', FAILURE_MESSAGES.timeout));
      }
    }
  }
}
