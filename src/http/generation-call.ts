import type { GenerateImageRequest } from '../contract/generate-image.ts';
import { type IdempotencyStore, isValidIdempotencyKey } from '../idempotency/idempotency.ts';
import {
  type DeliveredImage,
  type GenerateResult,
  type GenerationProgress,
  newGenerationId,
} from '../images/generate-images.ts';
import type { ImageRecords } from '../images/image-records.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { VerifiedKey } from '../keys/api-keys.ts';
import { type LimitDefaults, limitsFor } from '../ratelimit/key-limits.ts';
import type { ConcurrencyLimiter } from '../ratelimit/limiter.ts';
import type { ImageStore } from '../storage/store.ts';
import { ApiError } from './errors.ts';
import { generationFailureError } from './generation-failure.ts';

/** What an idempotent replay needs to rebuild the first response. */
export interface StoredGeneration {
  readonly generationId: string;
  readonly imageIds: readonly string[];
  readonly generationTimeMs: number;
  readonly creditsUsed: number;
}

export interface GenerationCallDeps {
  /** Every generation is a job: run now for a synchronous call, queued for an async one. */
  readonly jobs: Jobs;
  readonly records: ImageRecords;
  readonly store: ImageStore;
  readonly concurrencyLimiter: ConcurrencyLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly idempotency: IdempotencyStore<StoredGeneration>;
}

/** A delivered generation, fresh or replayed under its `Idempotency-Key`. */
export interface GenerationDelivered {
  readonly generationId: string;
  readonly images: DeliveredImage[];
  readonly generationTimeMs: number;
  readonly creditsUsed: number;
  /** True when the images are those of an earlier request with the same key and body. */
  readonly replayed: boolean;
}

export interface GenerationCall {
  readonly key: VerifiedKey;
  readonly requestId: string;
  /** The `Idempotency-Key` header as sent, if any (checked here). */
  readonly idempotencyKey: string | undefined;
  /**
   * Hash of everything that makes two requests the same (see `hashRequest`); computed only
   * when the request has an `Idempotency-Key`.
   */
  readonly requestHash: () => string;
  readonly request: GenerateImageRequest;
  /** Where the generation's image URLs point (its events and status answers). */
  readonly baseUrl: string;
  /** The client's connection: a concurrent request with the same key stops waiting on it. */
  readonly signal: AbortSignal;
  readonly progress?: GenerationProgress;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

/** Rebuilds the images of a stored generation, with their bytes when asked for. */
async function replayImages(
  deps: GenerationCallDeps,
  stored: StoredGeneration,
  withBytes: boolean,
): Promise<DeliveredImage[]> {
  return Promise.all(
    stored.imageIds.map(async (id) => {
      const record = await deps.records.find(id);
      if (!record) throw new Error(`stored image ${id} of ${stored.generationId} is missing`);
      if (!withBytes) return record;
      const stream = await deps.store.open(record.storageKey);
      if (!stream) throw new Error(`image file ${record.storageKey} is missing`);
      return { ...record, data: await readAll(stream) };
    }),
  );
}

/** What a request's `Idempotency-Key` (or its absence) decides, and does, for one generation. */
type IdempotencyClaim =
  | { readonly kind: 'replay'; readonly stored: StoredGeneration }
  | {
      readonly kind: 'fresh';
      /** Binds the key to the generation before anything is reserved. */
      bind(generationId: string): Promise<void>;
      /** Remembers what the generation delivered, for retries with the key. */
      complete(stored: StoredGeneration): Promise<void>;
      /** Releases the key after a refusal or failure, so that a retry runs again. */
      forget(): Promise<void>;
    };

const NO_KEY: IdempotencyClaim = {
  kind: 'fresh',
  bind: () => Promise.resolve(),
  complete: () => Promise.resolve(),
  forget: () => Promise.resolve(),
};

/**
 * Checks and claims the request's `Idempotency-Key`, the same for a synchronous and an
 * asynchronous generation: a replay of an earlier request with the same key and body, or a
 * fresh generation holding the key (a different body under the key is a 409).
 */
async function claimIdempotencyKey(
  deps: GenerationCallDeps,
  call: Omit<GenerationCall, 'progress'>,
): Promise<IdempotencyClaim> {
  const { key, idempotencyKey } = call;
  if (idempotencyKey === undefined) return NO_KEY;
  if (!isValidIdempotencyKey(idempotencyKey)) {
    throw new ApiError(
      'invalid_parameters',
      'Idempotency-Key must be 1-255 printable ASCII characters',
      { field: 'Idempotency-Key' },
    );
  }
  const claim = await deps.idempotency.claim({
    accountId: key.accountId,
    key: idempotencyKey,
    requestHash: call.requestHash(),
    signal: call.signal,
  });
  if (claim.kind === 'conflict') {
    throw new ApiError(
      'idempotency_conflict',
      'This Idempotency-Key was already used with a different request body',
    );
  }
  if (claim.kind === 'replay') return { kind: 'replay', stored: claim.stored };
  return {
    kind: 'fresh',
    bind: (generationId) => deps.idempotency.bind(key.accountId, idempotencyKey, generationId),
    complete: (stored) => deps.idempotency.complete(key.accountId, idempotencyKey, stored),
    forget: () => deps.idempotency.abandon(key.accountId, idempotencyKey),
  };
}

/**
 * One generation as every API surface runs it (the native endpoint and the OpenAI-compatible
 * routes alike): the `Idempotency-Key` claim or replay, the key's concurrency slot, the
 * generate-images use case, and remembering or forgetting the key by the outcome. Refusals
 * are thrown as `ApiError`s, which the app's error handler renders for the route's API.
 */
export async function runGeneration(
  deps: GenerationCallDeps,
  call: GenerationCall,
): Promise<GenerationDelivered> {
  const { key, request } = call;
  const claim = await claimIdempotencyKey(deps, call);
  if (claim.kind === 'replay') {
    const images = await replayImages(deps, claim.stored, request.includeBase64);
    return { ...claim.stored, images, replayed: true };
  }
  const { forget } = claim;

  const slot = await deps.concurrencyLimiter
    .acquire(key.id, limitsFor(key, deps.limitDefaults).concurrency)
    .catch(async (err: unknown) => {
      // e.g. Redis unreachable: the claim must not make a retry wait out its lease.
      await forget();
      throw err;
    });
  if (!slot.ok) {
    await forget();
    throw new ApiError(
      'rate_limit_exceeded',
      'Too many generations in flight for this API key. Please retry when one finishes.',
      { retryAfter: slot.retryAfterSeconds },
    );
  }
  let result: GenerateResult;
  try {
    // Bound before anything is reserved: if this process dies, a retry with the key finds
    // what the generation delivered (and was charged for) instead of running another.
    const generationId = newGenerationId();
    await claim.bind(generationId);
    // A job run here and now. The client's disconnect does not stop it: its result stays
    // collectable by id (GET /api/v1/generations/{id}).
    result = await deps.jobs.runNow({
      key,
      requestId: call.requestId,
      generationId,
      request,
      baseUrl: call.baseUrl,
      ...(call.progress ? { progress: call.progress } : {}),
    });
  } catch (err) {
    await forget();
    throw err;
  } finally {
    await slot.release();
  }
  if (!result.ok) {
    await forget();
    throw generationFailureError(result.failure, request.sourceField);
  }
  await claim.complete({
    generationId: result.generationId,
    imageIds: result.images.map((i) => i.id),
    generationTimeMs: result.generationTimeMs,
    creditsUsed: result.creditsUsed,
  });
  return {
    generationId: result.generationId,
    images: result.images,
    generationTimeMs: result.generationTimeMs,
    creditsUsed: result.creditsUsed,
    replayed: false,
  };
}

/** A queued generation: its id, and whether it is an earlier submit's under the same key. */
export interface GenerationQueued {
  readonly generationId: string;
  readonly replayed: boolean;
}

/**
 * An asynchronous generation (`Prefer: respond-async`): validated and priced as a synchronous
 * one, its credits reserved now (a refusal is the same 403), then queued for a worker. An
 * `Idempotency-Key` retry gets the same generation back. Beyond the account's queue bound it
 * is a 429 with `retry_after`.
 */
export async function submitGeneration(
  deps: GenerationCallDeps,
  call: Omit<GenerationCall, 'progress'>,
): Promise<GenerationQueued> {
  const { key, request } = call;
  const claim = await claimIdempotencyKey(deps, call);
  if (claim.kind === 'replay') return { generationId: claim.stored.generationId, replayed: true };
  const { forget } = claim;
  const generationId = newGenerationId();
  let submitted: Awaited<ReturnType<Jobs['submit']>>;
  try {
    await claim.bind(generationId);
    submitted = await deps.jobs.submit({
      key,
      requestId: call.requestId,
      generationId,
      request,
      baseUrl: call.baseUrl,
    });
  } catch (err) {
    await forget();
    throw err;
  }
  if (!submitted.ok) {
    await forget();
    if ('queueFull' in submitted) {
      throw new ApiError(
        'rate_limit_exceeded',
        'Too many generations queued for this account. Please retry when some have started.',
        { retryAfter: submitted.retryAfter },
      );
    }
    throw generationFailureError(submitted.failure, request.sourceField);
  }
  // Completed at once: a retry gets this generation back, whatever becomes of it.
  await claim.complete({ generationId, imageIds: [], generationTimeMs: 0, creditsUsed: 0 });
  return { generationId, replayed: false };
}
