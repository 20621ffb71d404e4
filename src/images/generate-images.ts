import type { Transaction } from 'kysely';
import type { Catalog, CatalogModel } from '../catalog/types.ts';
import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { Transact } from '../db/group-commit.ts';
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
import type { ImageRecords, StoredImage, UnrecordedImage } from './image-records.ts';
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
  /** Called once per image as soon as it is recorded (committed), in the order images finish. */
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
  /** Commits an image recorded on its own (the database handle's; group commit on SQLite). */
  readonly transact: Transact<Database>;
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
  /** Records the route attempts; inside the settle transaction when `tx` is given. */
  readonly onAttempts?: (
    generationId: string,
    attempts: readonly Attempt[],
    tx?: Transaction<Database>,
  ) => Promise<void>;
}

type JobOutcome = (
  | { ok: true }
  | { ok: false; kind: ProviderFailureKind | 'internal'; failure?: ProviderFailure }
) & { attempts: readonly Attempt[] };

/** What a caller of `run` writes with the generation's own rows, in their transactions. */
export interface GenerationWrites {
  /** With each image's row (the image's own transaction, or the settlement's for the last). */
  readonly image?: (
    tx: Transaction<Database>,
    image: DeliveredImage,
    position: number,
  ) => Promise<void>;
  /** In the settlement's transaction, with the generation's outcome (credits as captured). */
  readonly end?: (tx: Transaction<Database>, result: GenerateResult) => Promise<void>;
}

/** A generation's images as its jobs land. */
interface ImageSink {
  /** Provider jobs still running. */
  inFlight: number;
  /** The images being recorded on their own, in the order they landed. */
  recording: Promise<void>;
  /** Every image delivered, recorded or about to be. */
  readonly delivered: Array<{ image: DeliveredImage; position: number }>;
  /** Stored files to record with the settlement. */
  readonly deferred: Array<{
    unrecorded: UnrecordedImage;
    delivered: DeliveredImage;
    position: number;
  }>;
  readonly attempts: Attempt[];
  readonly writes: GenerationWrites;
  readonly progress: GenerationProgress;
}

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
   *
   * Commits: an image that lands while others of the generation still run is recorded at
   * once (so a crash after it still delivers and charges it); the last one is recorded in the
   * settlement's transaction, with the route attempts and what `writes` adds (a job's end and
   * events). A one-image generation thus commits once here, and with group commit (SQLite)
   * shares that commit with the other generations settling at the same time.
   */
  async function run(
    request: GenerateImageRequest,
    caller: Caller & { readonly generationId: string },
    progress: GenerationProgress = {},
    writes: GenerationWrites = {},
  ): Promise<GenerateResult> {
    const { generationId } = caller;
    const model = deps.catalog.find(request.model);
    if (!model) throw new Error(`model ${request.model} is not in the catalog`);
    const started = now();
    const limit = deadline(progress.signal ?? deps.shutdownSignal, deps.generationTimeoutMs);
    const images: ImageSink = {
      inFlight: request.numberOfImages,
      recording: Promise.resolve(),
      delivered: [],
      deferred: [],
      attempts: [],
      writes,
      progress,
    };
    let result: GenerateResult;
    try {
      result = await produce(request, model, caller, limit.signal, images, started);
    } catch (err) {
      deps.log.error({ err, generationId }, 'generation failed unexpectedly');
      result = {
        ok: false,
        generationId,
        failure: { kind: 'internal' },
        attempts: images.attempts,
      };
    } finally {
      limit.dispose();
    }
    const errorCode = result.ok ? null : FAILURE_CODE[result.failure.kind];
    const settled = await settle(generationId, images, result, errorCode, started);
    const final = settled.result;
    // Images recorded with the settlement are seen only now that it has committed.
    if (settled.committed) {
      for (const d of images.deferred) progress.onImage?.(d.delivered, d.position);
    }
    const modelId = request.model;
    if (final.ok) {
      deps.metrics?.imagesDelivered.inc({ model: modelId }, final.images.length);
    } else {
      deps.metrics?.generationFailures.inc({
        model: modelId,
        code: FAILURE_CODE[final.failure.kind],
      });
    }
    deps.metrics?.generationSeconds.observe({ model: modelId }, (now() - started) / 1000);
    return final;
  }

  /**
   * Settles the generation in one transaction with its last images, its route attempts and
   * the caller's end writes. If that transaction fails, the images it would have recorded are
   * not delivered: the answer is an internal error, and the lease sweeper settles the
   * reservation by the images recorded before (none for a one-image generation).
   */
  async function settle(
    generationId: string,
    images: ImageSink,
    produced: GenerateResult,
    errorCode: string | null,
    started: number,
  ): Promise<{ result: GenerateResult; committed: boolean }> {
    const { onAttempts } = deps;
    const attempts = images.attempts;
    let result = produced;
    try {
      const settled = await deps.ledger.settle(
        {
          generationId,
          delivered: images.delivered.length,
          errorCode,
          settledBy: 'request',
          durationMs: now() - started,
        },
        {
          within: async (tx, s) => {
            for (const d of images.deferred) {
              await deps.records.record(tx, d.unrecorded);
              await images.writes.image?.(tx, d.delivered, d.position);
            }
            if (onAttempts && attempts.length > 0) await onAttempts(generationId, attempts, tx);
            // What the ledger captured; when the lease sweeper settled first, the same rule.
            if (produced.ok && s.ok) result = { ...produced, creditsUsed: s.captured };
            await images.writes.end?.(tx, result);
          },
        },
      );
      if (!settled.ok) {
        deps.log.warn({ generationId }, 'generation was already settled (lease expired first)');
      }
      return { result, committed: true };
    } catch (err) {
      deps.log.error({ err, generationId }, 'settling a generation failed');
      if (attempts.length > 0) {
        await onAttempts?.(generationId, attempts).catch((e: unknown) => {
          deps.log.error({ err: e, generationId }, 'recording route attempts failed');
        });
      }
      return {
        result: { ok: false, generationId, failure: { kind: 'internal' }, attempts },
        committed: false,
      };
    }
  }

  /** Runs the generation's provider jobs and stores their images; the result before settling. */
  async function produce(
    request: GenerateImageRequest,
    model: CatalogModel,
    caller: Caller & { readonly generationId: string },
    signal: AbortSignal,
    images: ImageSink,
    started: number,
  ): Promise<GenerateResult> {
    const { generationId } = caller;
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
      return { ok: false, generationId, failure, attempts: [] };
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
        runJob(request, model, caller, index, loaded.images, signal, images),
      ),
    );
    const attempts = outcomes.flatMap((o) => o.attempts);
    images.attempts.push(...attempts);
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
    if (images.delivered.length === 0) {
      const failed = outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok);
      const worst =
        FAILURE_PRIORITY.map((k) => failed.find((f) => f.kind === k)).find(Boolean) ?? failed[0]!;
      return { ok: false, generationId, failure: toFailure(worst.kind, worst.failure), attempts };
    }
    return {
      ok: true,
      generationId,
      // In position order, whatever order they landed in.
      images: [...images.delivered].sort((a, b) => a.position - b.position).map((d) => d.image),
      generationTimeMs,
      // Replaced by what the ledger captured when it settles.
      creditsUsed: images.delivered.length * model.pricePerImage,
      attempts,
    };
  }

  async function runJob(
    request: GenerateImageRequest,
    model: CatalogModel,
    caller: Caller & { readonly generationId: string },
    index: number,
    sources: SourceImage[],
    signal: AbortSignal,
    images: ImageSink,
  ): Promise<JobOutcome> {
    const { generationId } = caller;
    let attempts: readonly Attempt[] = [];
    // Counted out of the generation's running jobs exactly once, whatever happens.
    let running = true;
    const landed = () => {
      if (running) {
        running = false;
        images.inFlight--;
      }
      return images.inFlight;
    };
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
      const unrecorded = await deps.records.storeFile({
        generationId,
        accountId: caller.accountId,
        position: index,
        image,
      });
      const delivered: DeliveredImage = request.includeBase64
        ? { ...unrecorded.image, data: image.bytes }
        : unrecorded.image;
      if (landed() > 0) {
        // Others still run: recorded (delivered, chargeable) now, on its own. One after
        // another: each image's event takes the job's next seq, which two transactions
        // open at once (PostgreSQL) would both take.
        const recorded = images.recording.then(() =>
          deps.transact(async (tx) => {
            await deps.records.record(tx, unrecorded);
            await images.writes.image?.(tx, delivered, index);
          }),
        );
        images.recording = recorded.catch(() => {});
        await recorded;
        images.delivered.push({ image: delivered, position: index });
        images.progress.onImage?.(delivered, index);
      } else {
        // The last to land: recorded with the settlement.
        images.deferred.push({ unrecorded, delivered, position: index });
        images.delivered.push({ image: delivered, position: index });
      }
      return { ok: true, attempts };
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
    } finally {
      landed();
    }
  }

  return { generateImages, reserve, run };
}

export type GenerateImagesService = ReturnType<typeof createGenerateImages>;
/** Reserve and run in one call: what a caller that does not queue uses. */
export type GenerateImages = GenerateImagesService['generateImages'];
