import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { ModelId } from '../contract/models.ts';
import { deadline } from '../deadline.ts';
import type { SourceImageLoader } from '../fetch/source-images.ts';
import type { ErrorCode } from '../http/errors.ts';
import { sortableId } from '../ids.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Provenance } from '../provenance/provenance.ts';
import type {
  ImageProvider,
  ProviderFailure,
  ProviderFailureKind,
  SourceImage,
} from '../providers/provider.ts';
import type { ImageStore } from '../storage/store.ts';
import type { ImageRecords, StoredImage } from './image-records.ts';
import { NotAnImageError, normalizeImage } from './normalize.ts';

export interface Caller {
  readonly accountId: string;
  readonly apiKeyId: string;
  readonly requestId: string;
  /** The id to give the generation, when the caller must know it first (Idempotency-Key). */
  readonly generationId?: string;
}

/** A new generation id. */
export function newGenerationId(now: () => number = Date.now): string {
  return sortableId('gen', now());
}

export interface DeliveredImage extends StoredImage {
  /** The stored bytes, kept only when the request asked for base64. */
  readonly data?: Buffer;
}

/** Optional observer of a generation's progress (streaming responses). */
export interface GenerationProgress {
  /** Called once per image as soon as it is stored, in the order images finish. */
  readonly onImage?: (image: DeliveredImage, position: number) => void;
}

export interface GenerationFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfter?: number;
}

export type GenerateResult =
  | {
      ok: true;
      generationId: string;
      images: DeliveredImage[];
      generationTimeMs: number;
      creditsUsed: number;
    }
  | { ok: false; generationId?: string; failure: GenerationFailure };

export interface GenerateImagesDeps {
  readonly ledger: Ledger;
  readonly provider: ImageProvider;
  readonly records: ImageRecords;
  /** Embeds what every image must say about its making, between normalisation and storage. */
  readonly provenance: Provenance;
  readonly sources: SourceImageLoader;
  readonly prices: Readonly<Record<ModelId, number>>;
  readonly generationTimeoutMs: number;
  /** Where to keep blend-mode inputs when the operator asked for it (GOODTAKE_KEEP_INPUTS). */
  readonly keepInputs?: ImageStore | undefined;
  /** Aborted when the server shuts down past its grace period. */
  readonly shutdownSignal: AbortSignal;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

type JobOutcome =
  | { ok: true; image: DeliveredImage }
  | { ok: false; kind: ProviderFailureKind | 'internal'; failure?: ProviderFailure };

/** Which failure speaks for a request when no image was delivered: the most actionable. */
const FAILURE_PRIORITY: ReadonlyArray<ProviderFailureKind | 'internal'> = [
  'content_policy',
  'invalid_input',
  'rate_limited',
  'timeout',
  'unavailable',
  'internal',
];

function toFailure(kind: ProviderFailureKind | 'internal', f?: ProviderFailure): GenerationFailure {
  const retry =
    f?.retryAfter !== undefined ? { retryAfter: Math.max(1, Math.ceil(f.retryAfter)) } : {};
  switch (kind) {
    case 'content_policy':
      return {
        code: 'content_policy_violation',
        message: f?.message ?? 'The request was refused by the content policy',
      };
    case 'invalid_input':
      return { code: 'invalid_image', message: f?.message ?? 'A source image could not be used' };
    case 'rate_limited':
      return {
        code: 'service_unavailable',
        message: 'The model provider is at capacity. Please retry later.',
        retryAfter: retry.retryAfter ?? 30,
      };
    case 'timeout':
      return { code: 'upstream_timeout', message: 'The model provider did not answer in time' };
    case 'unavailable':
      return { code: 'upstream_error', message: 'The model provider failed to generate the image' };
    case 'internal':
      return { code: 'internal_error', message: 'An internal error occurred' };
  }
}

/**
 * The generate-image use case: reserve the price of every image, load blend inputs, run one
 * provider job per image in parallel, store and record each delivered image, then capture
 * what was delivered and release the rest. Whatever happens, the reservation is settled
 * here or, after a crash, by the lease sweeper.
 */
export function createGenerateImages(deps: GenerateImagesDeps) {
  const now = deps.now ?? Date.now;

  return async function generateImages(
    request: GenerateImageRequest,
    caller: Caller,
    progress: GenerationProgress = {},
  ): Promise<GenerateResult> {
    const generationId = caller.generationId ?? newGenerationId(now);
    const reservation = await deps.ledger.reserve({
      id: generationId,
      accountId: caller.accountId,
      apiKeyId: caller.apiKeyId,
      requestId: caller.requestId,
      model: request.model,
      size: request.sizeLabel,
      numberOfImages: request.numberOfImages,
      blend: request.imageUrls.length > 0,
      pricePerImage: deps.prices[request.model],
      endUser: request.endUser ?? null,
    });
    if (!reservation.ok) {
      return {
        ok: false,
        failure: {
          code: 'insufficient_credits',
          message: `Insufficient credits to complete this request: it needs ${reservation.required}, the account has ${reservation.available} available`,
        },
      };
    }

    const started = now();
    const limit = deadline(deps.shutdownSignal, deps.generationTimeoutMs);
    const signal = limit.signal;
    let delivered: DeliveredImage[] = [];
    let errorCode: string | null = null;
    try {
      const loaded = await deps.sources.load(request.imageUrls, signal, request.sourceField);
      if (!loaded.ok && loaded.refused) {
        // An attempt to reach an internal address through blend mode: the operator should see
        // it. The host and the address class only, never the URL (paths, credentials).
        deps.log.warn(
          {
            requestId: caller.requestId,
            accountId: caller.accountId,
            generationId,
            index: loaded.index,
            host: loaded.refused.host,
            address: loaded.refused.address,
            addressClass: loaded.refused.addressClass,
          },
          'refused to fetch a source image from an internal address',
        );
      }
      if (!loaded.ok) {
        errorCode = 'invalid_image';
        return {
          ok: false,
          generationId,
          failure: { code: 'invalid_image', message: loaded.message },
        };
      }
      // Inputs live only in this request's memory unless the operator keeps them.
      if (deps.keepInputs) {
        const store = deps.keepInputs;
        await Promise.all(
          loaded.images.map((img, i) =>
            store.put(
              `inputs/${generationId}-${i}.${img.format === 'jpeg' ? 'jpg' : img.format}`,
              img.bytes,
              `image/${img.format}`,
            ),
          ),
        );
      }
      const outcomes = await Promise.all(
        Array.from({ length: request.numberOfImages }, (_, index) =>
          runJob(request, caller, generationId, index, loaded.images, signal, progress),
        ),
      );
      delivered = outcomes.flatMap((o) => (o.ok ? [o.image] : []));
      const generationTimeMs = now() - started;
      if (delivered.length === 0) {
        const failed = outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok);
        const worst =
          FAILURE_PRIORITY.map((k) => failed.find((f) => f.kind === k)).find(Boolean) ?? failed[0]!;
        const failure = toFailure(worst.kind, worst.failure);
        errorCode = failure.code;
        return { ok: false, generationId, failure };
      }
      return {
        ok: true,
        generationId,
        images: delivered,
        generationTimeMs,
        creditsUsed: delivered.length * deps.prices[request.model],
      };
    } finally {
      limit.dispose();
      const settled = await deps.ledger
        .settle({
          generationId,
          delivered: delivered.length,
          errorCode,
          settledBy: 'request',
          durationMs: now() - started,
        })
        .catch((err: unknown) => {
          // The lease sweeper settles it later from the recorded images; nothing is lost.
          deps.log.error({ err, generationId }, 'settling a generation failed');
          return undefined;
        });
      const model = request.model;
      if (delivered.length > 0) deps.metrics?.imagesDelivered.inc({ model }, delivered.length);
      else if (errorCode) deps.metrics?.generationFailures.inc({ model, code: errorCode });
      deps.metrics?.generationSeconds.observe({ model }, (now() - started) / 1000);
      if (settled && !settled.ok) {
        deps.log.warn({ generationId }, 'generation was already settled (lease expired first)');
      }
    }
  };

  async function runJob(
    request: GenerateImageRequest,
    caller: Caller,
    generationId: string,
    index: number,
    sources: SourceImage[],
    signal: AbortSignal,
    progress: GenerationProgress,
  ): Promise<JobOutcome> {
    try {
      const outcome = await deps.provider.generate({
        model: request.model,
        prompt: request.prompt,
        size: request.size,
        mode: request.optimizeMode,
        index,
        sources,
        signal,
      });
      if (!outcome.ok) {
        deps.log.info(
          { generationId, index, kind: outcome.failure.kind, requestId: caller.requestId },
          'provider produced no image',
        );
        return { ok: false, kind: outcome.failure.kind, failure: outcome.failure };
      }
      const normalized = await normalizeImage(
        outcome.image.bytes,
        request.size,
        request.model,
        request.output,
      );
      const marked = await deps.provenance.mark(normalized, {
        model: request.model,
        provider: deps.provider.id,
        sources,
        createdAt: new Date(now()),
        title: `${generationId}-${index}.${normalized.ext}`,
      });
      if (!marked.ok) {
        deps.log.error({ generationId, index, reason: marked.reason }, 'image could not be marked');
        return { ok: false, kind: 'internal' };
      }
      const image = marked.image;
      const stored = await deps.records.save({
        generationId,
        accountId: caller.accountId,
        position: index,
        image,
      });
      const delivered = request.includeBase64 ? { ...stored, data: image.bytes } : stored;
      progress.onImage?.(delivered, index);
      return { ok: true, image: delivered };
    } catch (err) {
      if (signal.aborted) {
        const timedOut =
          signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
        return { ok: false, kind: timedOut ? 'timeout' : 'unavailable' };
      }
      if (err instanceof NotAnImageError) {
        deps.log.error(
          { generationId, index, err: err.message },
          'provider output is not an image',
        );
        return { ok: false, kind: 'unavailable' };
      }
      deps.log.error({ err, generationId, index }, 'image job failed unexpectedly');
      return { ok: false, kind: 'internal' };
    }
  }
}

export type GenerateImages = ReturnType<typeof createGenerateImages>;
