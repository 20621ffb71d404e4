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
 * `failed` or `canceled` event. The ledger is settled by the use case itself.
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

  // Image events are written in the order the images land, one after another.
  let events: Promise<unknown> = Promise.resolve();
  const appendEvent = (type: string, data: Record<string, unknown>) => {
    events = events
      .then(() => deps.store.append(job, type, data))
      .then(() => deps.onEvent(job, type))
      .catch((err: unknown) =>
        deps.log.error({ err, jobId: job.id, type }, 'job event not written'),
      );
    return events;
  };
  const caller: Caller & { generationId: string } = {
    accountId: job.account_id,
    apiKeyId: job.api_key_id,
    requestId: job.request_id,
    generationId: job.id,
  };
  let result: GenerateResult;
  try {
    result = await deps.generate.run(request, caller, {
      signal: controller.signal,
      onImage(image: DeliveredImage, position: number) {
        progress.onImage?.(image, position);
        void appendEvent('image', {
          index: position,
          image: imageView(job.base_url, image),
        });
      },
    });
  } finally {
    deps.shutdownSignal.removeEventListener('abort', onShutdown);
  }
  await events;
  const canceled = running.wasCanceled(job.id);
  running.delete(job.id);

  const at = deps.now();
  const delivered = result.ok ? result.images : [];
  const creditsUsed = result.ok ? result.creditsUsed : 0;
  const generationTimeMs = result.ok ? result.generationTimeMs : at - (job.started_at ?? at);
  let end: Parameters<JobStore['finish']>[3];
  let event: { type: string; data: Record<string, unknown> };
  if (canceled) {
    end = { status: 'canceled', creditsUsed, generationTimeMs, at };
    event = {
      type: 'canceled',
      data: { images: delivered.map((i) => imageView(job.base_url, i)), credits_used: creditsUsed },
    };
  } else if (result.ok) {
    end = { status: 'succeeded', creditsUsed, generationTimeMs, at };
    event = {
      type: 'completed',
      data: resultData({
        id: job.id,
        images: delivered.map((i) => imageView(job.base_url, i)),
        generationTimeMs,
        creditsUsed,
        request,
      }),
    };
  } else {
    // The contract's error, as a synchronous request would have answered it.
    const refused = generationFailureError(result.failure, request.sourceField);
    const retryAfter = refused.details.retryAfter;
    const error = {
      code: refused.code,
      message: refused.message,
      ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
    };
    end = { status: 'failed', error, creditsUsed: 0, generationTimeMs, at };
    event = { type: 'failed', data: { error: { ...error, request_id: job.request_id } } };
  }
  if (await deps.store.finish(job.id, owner, 'running', end)) {
    await appendEvent(event.type, event.data);
  } else {
    // The lease ran out while it ran (a stalled process) and the sweeper settled it.
    deps.log.warn({ jobId: job.id }, 'job finished after its lease was taken over');
  }
  return result;
}
