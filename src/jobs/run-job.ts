import type { GenerateImageRequest } from '../contract/generate-image.ts';
import { generationFailureError } from '../http/generation-failure.ts';
import type {
  Caller,
  DeliveredImage,
  GenerateImagesService,
  GenerateResult,
  GenerationProgress,
} from '../images/generate-images.ts';
import type { Logger } from '../log.ts';
import type { JobRow, JobStore } from './job-store.ts';
import { imageView, resultData } from './render.ts';

/** Called after each event a job writes (wakes followers, queues webhooks). */
export type EventListener = (job: JobRow, type: string) => void;

export interface RunJobDeps {
  readonly store: JobStore;
  readonly generate: GenerateImagesService;
  readonly log: Logger;
  readonly shutdownSignal: AbortSignal;
  readonly onEvent: EventListener;
  readonly now: () => number;
}

/** The jobs this process is running: their cancel switches. */
export class RunningJobs {
  private readonly jobs = new Map<string, { controller: AbortController; canceled: boolean }>();
  add(id: string, controller: AbortController) {
    this.jobs.set(id, { controller, canceled: false });
  }
  delete(id: string) {
    this.jobs.delete(id);
  }
  ids(): string[] {
    return [...this.jobs.keys()];
  }
  get size(): number {
    return this.jobs.size;
  }
  /** Stops a running job here; false when this process is not running it. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.canceled = true;
    job.controller.abort(new Error('canceled'));
    return true;
  }
  wasCanceled(id: string): boolean {
    return this.jobs.get(id)?.canceled ?? false;
  }
}

/**
 * Runs a claimed job (status `running`, leased by `owner`) to its end: the generation use
 * case with an `image` event per stored image, then the job's final state and its `completed`,
 * `failed` or `canceled` event, written in the settlement's transaction (one commit for the
 * ledger, the last image, the job and its events).
 */
export async function runJob(
  deps: RunJobDeps,
  running: RunningJobs,
  job: JobRow,
  owner: string,
  request: GenerateImageRequest,
  progress: GenerationProgress = {},
): Promise<GenerateResult> {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(deps.shutdownSignal.reason);
  if (deps.shutdownSignal.aborted) onShutdown();
  else deps.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
  running.add(job.id, controller);

  // Events are written in the transactions of what they report (an image's row, the
  // settlement); who follows them is told once those have committed.
  const written: string[] = [];
  const caller: Caller & { generationId: string } = {
    accountId: job.account_id,
    apiKeyId: job.api_key_id,
    requestId: job.request_id,
    generationId: job.id,
  };
  let result: GenerateResult;
  try {
    result = await deps.generate.run(
      request,
      caller,
      {
        signal: controller.signal,
        onImage(image: DeliveredImage, position: number) {
          progress.onImage?.(image, position);
          tell();
        },
      },
      {
        async image(tx, image, position) {
          await deps.store.append(
            job,
            'image',
            { index: position, image: imageView(job.base_url, image) },
            tx,
          );
          written.push('image');
        },
        async end(tx, outcome) {
          const { end, event } = endOf(
            job,
            request,
            outcome,
            running.wasCanceled(job.id),
            deps.now(),
          );
          if (await deps.store.finish(job.id, owner, 'running', end, tx)) {
            await deps.store.append(job, event.type, event.data, tx);
            written.push(event.type);
          } else {
            // The lease ran out while it ran (a stalled process) and the sweeper settled it.
            deps.log.warn({ jobId: job.id }, 'job finished after its lease was taken over');
          }
        },
      },
    );
  } finally {
    deps.shutdownSignal.removeEventListener('abort', onShutdown);
    running.delete(job.id);
  }
  tell();
  return result;

  /** Tells the listeners of the events committed so far. */
  function tell() {
    for (const type of written.splice(0)) deps.onEvent(job, type);
  }
}

/** A job's final state and its last event, from the generation's outcome. */
function endOf(
  job: JobRow,
  request: GenerateImageRequest,
  result: GenerateResult,
  canceled: boolean,
  at: number,
): { end: JobEnd; event: { type: string; data: Record<string, unknown> } } {
  const delivered = result.ok ? result.images : [];
  const creditsUsed = result.ok ? result.creditsUsed : 0;
  const generationTimeMs = result.ok ? result.generationTimeMs : at - (job.started_at ?? at);
  const images = delivered.map((i) => imageView(job.base_url, i));
  if (canceled) {
    return {
      end: { status: 'canceled', creditsUsed, generationTimeMs, at },
      event: { type: 'canceled', data: { images, credits_used: creditsUsed } },
    };
  }
  if (result.ok) {
    return {
      end: { status: 'succeeded', creditsUsed, generationTimeMs, at },
      event: {
        type: 'completed',
        data: resultData({ id: job.id, images, generationTimeMs, creditsUsed, request }),
      },
    };
  }
  // The contract's error, as a synchronous request would have answered it.
  const refused = generationFailureError(result.failure, request.sourceField);
  const retryAfter = refused.details.retryAfter;
  const error = {
    code: refused.code,
    message: refused.message,
    ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
  };
  return {
    end: { status: 'failed', error, creditsUsed: 0, generationTimeMs, at },
    event: { type: 'failed', data: { error: { ...error, request_id: job.request_id } } },
  };
}

type JobEnd = Parameters<JobStore['finish']>[3];
