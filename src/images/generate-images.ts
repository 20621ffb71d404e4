import type { Transaction } from 'kysely';
import type { Catalog, CatalogModel } from '../catalog/types.ts';
import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { Database } from '../db/schema.ts';
import { deadline } from '../deadline.ts';
import type { SourceImageLoader } from '../fetch/source-images.ts';
import { sortableId } from '../ids.ts';
import type { Ledger, ReserveOptions } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Provenance } from '../provenance/provenance.ts';
import type { ProviderFailure, ProviderFailureKind, SourceImage } from '../providers/provider.ts';
import type { Attempt, ModelRouter } from '../routing/router.ts';
import type { ImageStore } from '../storage/store.ts';
import { FAILURE_CODE, type GenerationFailure } from './failure.ts';
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
  /**
   * Aborted to stop the generation early (a cancel); delivered images stay charged. It takes
   * the place of the shutdown signal, so it must abort on shutdown too (src/jobs/ does).
   */
  readonly signal?: AbortSignal;
}

export type { GenerationFailure } from './failure.ts';

export type GenerateResult =
  | {
      ok: true;
      generationId: string;
      images: DeliveredImage[];
      generationTimeMs: number;
      /** What the ledger captured for the delivered images. */
      creditsUsed: number;
      attempts: readonly Attempt[];
    }
  | {
      ok: false;
      generationId?: string;
      failure: GenerationFailure;
      attempts: readonly Attempt[];
    };

export interface GenerateImagesDeps {
  readonly ledger: Ledger;
  /** The models served: price, sizes and routes. */
  readonly catalog: Catalog;
  /** Serves one image of a model through its routes, falling back where it may. */
  readonly router: ModelRouter;
  readonly records: ImageRecords;
  /** Embeds what every image must say about its making, between normalisation and storage. */
  readonly provenance: Provenance;
  readonly sources: SourceImageLoader;
  readonly generationTimeoutMs: number;
  /** Where to keep blend-mode inputs when the operator asked for it (GOODTAKE_KEEP_INPUTS). */
  readonly keepInputs?: ImageStore | undefined;
  /** Aborted when the server shuts down past its grace period. */
  readonly shutdownSignal: AbortSignal;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  /** Told every route attempt of a generation once it ends (recorded with it). */
  /** Records the route attempts; inside the settle transaction when `tx` is given. */
  readonly onAttempts?: (
    generationId: string,
    attempts: readonly Attempt[],
    tx?: Transaction<Database>,
  ) => Promise<void>;
}

type JobOutcome = (
  | { ok: true; image: DeliveredImage }
  | { ok: false; kind: ProviderFailureKind | 'internal'; failure?: ProviderFailure }
) & { attempts: readonly Attempt[] };

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
  switch (kind) {
    case 'content_policy':
    case 'invalid_input':
      return { kind, message: f?.message };
    case 'rate_limited':
      return { kind, retryAfter: f?.retryAfter };
    default:
      return { kind };
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

  /**
   * Reserves the price of every image of a generation about to run or be queued; `options`
   * as the ledger's (a queued job's longer lease, and its row written with the reservation).
   */
  async function reserve(
    request: GenerateImageRequest,
    caller: Caller & { readonly generationId: string },
    options: ReserveOptions = {},
  ): Promise<{ ok: true } | Extract<GenerateResult, { ok: false }>> {
    const model = deps.catalog.find(request.model);
    if (!model) throw new Error(`model ${request.model} is not in the catalog`);
    const reservation = await deps.ledger.reserve(
      {
        id: caller.generationId,
        accountId: caller.accountId,
        apiKeyId: caller.apiKeyId,
        requestId: caller.requestId,
        model: request.model,
        size: request.sizeLabel,
        numberOfImages: request.numberOfImages,
        blend: request.imageUrls.length > 0,
        pricePerImage: model.pricePerImage,
        endUser: request.endUser ?? null,
        prompt: request.prompt,
      },
      options,
    );
    if (!reservation.ok) {
      return {
        ok: false,
        failure: {
          kind: 'insufficient_credits',
          required: reservation.required,
          available: reservation.available,
        },
        attempts: [],
      };
    }
    return { ok: true };
  }

  async function generateImages(
    request: GenerateImageRequest,
    caller: Caller,
    progress: GenerationProgress = {},
  ): Promise<GenerateResult> {
    const generationId = caller.generationId ?? newGenerationId(now);
    const reserved = await reserve(request, { ...caller, generationId });
    if (!reserved.ok) return reserved;
    return run(request, { ...caller, generationId }, progress);
  }

  /**
   * Runs a reserved generation to its end and settles it: what was delivered is captured,
   * the rest released. `progress.signal` stops it early (a cancel): the images stored by then
   * are delivered and charged, nothing else.
   */
  async function run(
    request: GenerateImageRequest,
    caller: Caller & { readonly generationId: string },
    progress: GenerationProgress = {},
  ): Promise<GenerateResult> {
    const { generationId } = caller;
    const model = deps.catalog.find(request.model);
    if (!model) throw new Error(`model ${request.model} is not in the catalog`);
    const started = now();
    const limit = deadline(progress.signal ?? deps.shutdownSignal, deps.generationTimeoutMs);
    const signal = limit.signal;
    let delivered: DeliveredImage[] = [];
    let errorCode: string | null = null;
    let attempts: Attempt[] = [];
    let settled: Awaited<ReturnType<Ledger['settle']>> | undefined;
    let settleTried = false;
    // Whether the attempts were committed with the settlement (else they are written after).
    let attemptsRecorded = false;
    const settle = async () => {
      settleTried = true;
      const { onAttempts } = deps;
      const recorded = attempts;
      const within =
        onAttempts && recorded.length > 0
          ? (tx: Transaction<Database>) => onAttempts(generationId, recorded, tx)
          : undefined;
      settled = await deps.ledger
        .settle(
          {
            generationId,
            delivered: delivered.length,
            errorCode,
            settledBy: 'request',
            durationMs: now() - started,
          },
          within ? { within } : {},
        )
        .then((result) => {
          attemptsRecorded = within !== undefined;
          return result;
        })
        .catch((err: unknown) => {
          // The lease sweeper settles it later from the recorded images; nothing is lost.
          deps.log.error({ err, generationId }, 'settling a generation failed');
          return undefined;
        });
      return settled;
    };
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
        const failure: GenerationFailure = { kind: 'invalid_source', message: loaded.message };
        errorCode = FAILURE_CODE[failure.kind];
        return { ok: false, generationId, failure, attempts };
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
          runJob(request, model, caller, generationId, index, loaded.images, signal, progress),
        ),
      );
      attempts = outcomes.flatMap((o) => o.attempts);
      delivered = outcomes.flatMap((o) => (o.ok ? [o.image] : []));
      if (attempts.some((a) => a.outcome !== 'ok')) {
        deps.log.info(
          {
            generationId,
            requestId: caller.requestId,
            attempts: attempts.map(
              (a) => `${a.index}:${a.provider}/${a.upstreamModel}:${a.outcome}:${a.latencyMs}ms`,
            ),
          },
          'generation needed more than one route or failed upstream',
        );
      }
      const generationTimeMs = now() - started;
      if (delivered.length === 0) {
        const failed = outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok);
        const worst =
          FAILURE_PRIORITY.map((k) => failed.find((f) => f.kind === k)).find(Boolean) ?? failed[0]!;
        const failure = toFailure(worst.kind, worst.failure);
        errorCode = FAILURE_CODE[failure.kind];
        return { ok: false, generationId, failure, attempts };
      }
      const result = await settle();
      return {
        ok: true,
        generationId,
        images: delivered,
        generationTimeMs,
        // What the ledger captured. When settling failed here, the lease sweeper charges the
        // stored images by the same rule (one price per delivered image), later.
        creditsUsed: result?.ok ? result.captured : delivered.length * model.pricePerImage,
        attempts,
      };
    } finally {
      limit.dispose();
      if (!settleTried) await settle();
      if (attempts.length > 0 && !attemptsRecorded) {
        await deps.onAttempts?.(generationId, attempts).catch((err: unknown) => {
          deps.log.error({ err, generationId }, 'recording route attempts failed');
        });
      }
      const modelId = request.model;
      if (delivered.length > 0) {
        deps.metrics?.imagesDelivered.inc({ model: modelId }, delivered.length);
      } else if (errorCode) {
        deps.metrics?.generationFailures.inc({ model: modelId, code: errorCode });
      }
      deps.metrics?.generationSeconds.observe({ model: modelId }, (now() - started) / 1000);
      if (settled !== undefined && !(settled as { ok: boolean }).ok) {
        deps.log.warn({ generationId }, 'generation was already settled (lease expired first)');
      }
    }
  }

  async function runJob(
    request: GenerateImageRequest,
    model: CatalogModel,
    caller: Caller,
    generationId: string,
    index: number,
    sources: SourceImage[],
    signal: AbortSignal,
    progress: GenerationProgress,
  ): Promise<JobOutcome> {
    let attempts: readonly Attempt[] = [];
    try {
      const routed = await deps.router.generate(model, {
        prompt: request.prompt,
        size: request.size,
        mode: request.optimizeMode,
        index,
        sources,
        signal,
      });
      attempts = routed.attempts;
      const { outcome } = routed;
      if (!outcome.ok) {
        deps.log.info(
          {
            generationId,
            index,
            kind: outcome.failure.kind,
            requestId: caller.requestId,
            attempts: attempts.map((a) => `${a.provider}:${a.outcome}`),
          },
          'provider produced no image',
        );
        return { ok: false, kind: outcome.failure.kind, failure: outcome.failure, attempts };
      }
      const normalized = await normalizeImage(
        outcome.image.bytes,
        request.size,
        model.profile,
        request.output,
      );
      const marked = await deps.provenance.mark(normalized, {
        model: request.model,
        provider: routed.provider ?? 'unknown',
        sources,
        createdAt: new Date(now()),
        title: `${generationId}-${index}.${normalized.ext}`,
      });
      if (!marked.ok) {
        deps.log.error({ generationId, index, reason: marked.reason }, 'image could not be marked');
        return { ok: false, kind: 'internal', attempts };
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
      return { ok: true, image: delivered, attempts };
    } catch (err) {
      if (signal.aborted) {
        const timedOut =
          signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
        return { ok: false, kind: timedOut ? 'timeout' : 'unavailable', attempts };
      }
      if (err instanceof NotAnImageError) {
        deps.log.error(
          { generationId, index, err: err.message },
          'provider output is not an image',
        );
        return { ok: false, kind: 'unavailable', attempts };
      }
      deps.log.error({ err, generationId, index }, 'image job failed unexpectedly');
      return { ok: false, kind: 'internal', attempts };
    }
  }

  return { generateImages, reserve, run };
}

export type GenerateImagesService = ReturnType<typeof createGenerateImages>;
/** Reserve and run in one call: what a caller that does not queue uses. */
export type GenerateImages = GenerateImagesService['generateImages'];
