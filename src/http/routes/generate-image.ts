import type { Context, Hono } from 'hono';
import {
  checkGenerateImageRequest,
  type GenerateImageRequest,
  type GenerateImageResponse,
} from '../../contract/generate-image.ts';
import {
  hashRequest,
  type IdempotencyStore,
  isValidIdempotencyKey,
} from '../../idempotency/idempotency.ts';
import {
  type DeliveredImage,
  type GenerateImages,
  newGenerationId,
} from '../../images/generate-images.ts';
import type { ImageRecords } from '../../images/image-records.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import { type LimitDefaults, limitsFor } from '../../ratelimit/key-limits.ts';
import type { ConcurrencyLimiter, RequestLimiter } from '../../ratelimit/limiter.ts';
import type { ImageStore } from '../../storage/store.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { generateImageBodySpec } from './generate-image-body.ts';
import { imageUrl } from './images.ts';

export const GENERATE_IMAGE_PATH = '/api/v1/bytedance/generate-image';

/** What an idempotent replay needs to rebuild the first response. */
export interface StoredGeneration {
  readonly generationId: string;
  readonly imageIds: readonly string[];
  readonly generationTimeMs: number;
  readonly creditsUsed: number;
}

export interface GenerateImageRouteDeps {
  readonly keys: KeyService;
  readonly generateImages: GenerateImages;
  readonly records: ImageRecords;
  readonly store: ImageStore;
  readonly requestLimiter: RequestLimiter;
  readonly concurrencyLimiter: ConcurrencyLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly idempotency: IdempotencyStore<StoredGeneration>;
  readonly bodyLimitBytes: number;
  readonly publicBaseUrl: string | undefined;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

/** Rebuilds the images of a stored generation, with their bytes when base64 was asked for. */
async function replayImages(
  deps: GenerateImageRouteDeps,
  stored: StoredGeneration,
  includeBase64: boolean,
): Promise<DeliveredImage[]> {
  return Promise.all(
    stored.imageIds.map(async (id) => {
      const record = await deps.records.find(id);
      if (!record) throw new Error(`stored image ${id} of ${stored.generationId} is missing`);
      if (!includeBase64) return record;
      const stream = await deps.store.open(record.storageKey);
      if (!stream) throw new Error(`image file ${record.storageKey} is missing`);
      return { ...record, data: await readAll(stream) };
    }),
  );
}

/**
 * Reads and validates the JSON body within the bounds of what the endpoint can use
 * (generate-image-body.ts), or throws the contract's 4xx.
 */
export async function readGenerateImageRequest(
  c: Context<AppEnv>,
  maxBodyBytes: number,
): Promise<GenerateImageRequest> {
  const body = await c.var.body.json(generateImageBodySpec(maxBodyBytes));
  const check = checkGenerateImageRequest(body);
  if (!check.ok) throw new ApiError('invalid_parameters', check.message, { field: check.field });
  return check.request;
}

/** The 200 body of the seed, plus the additive `id` and `credits_used`. */
export function successBody(
  result: {
    generationId: string;
    images: DeliveredImage[];
    generationTimeMs: number;
    creditsUsed: number;
  },
  request: GenerateImageRequest,
  baseUrl: string,
): GenerateImageResponse {
  return {
    status: 'success',
    data: {
      images: result.images.map((img) => ({
        url: imageUrl(baseUrl, img),
        ...(img.data
          ? { base64: `data:${img.contentType};base64,${img.data.toString('base64')}` }
          : {}),
        width: img.width,
        height: img.height,
      })),
      generation_time_ms: result.generationTimeMs,
      model: request.model,
      prompt: request.prompt,
      id: result.generationId,
      credits_used: result.creditsUsed,
    },
  };
}

/**
 * The same body as UTF-8 JSON bytes, identical to `JSON.stringify(successBody(...))`, built
 * without running JSON.stringify over the base64 data and without a JavaScript string of the
 * whole body: a 2 MB image is 2.7 MB of base64 that needs no escaping, and stringifying it,
 * measuring the string's UTF-8 length and encoding it again each cost milliseconds per image.
 */
export function successJson(
  result: Parameters<typeof successBody>[0],
  request: GenerateImageRequest,
  baseUrl: string,
): Uint8Array<ArrayBuffer> {
  // Pieces of JSON text; base64 pieces are ASCII and copied byte for byte.
  const pieces: Array<{ text: string; ascii: boolean }> = [];
  const add = (text: string, ascii = false) => pieces.push({ text, ascii });
  add('{"status":"success","data":{"images":[');
  result.images.forEach((img, i) => {
    add(`${i > 0 ? ',' : ''}{"url":${JSON.stringify(imageUrl(baseUrl, img))}`);
    if (img.data) {
      add(`,"base64":"data:${JSON.stringify(img.contentType).slice(1, -1)};base64,`);
      add(img.data.toString('base64'), true);
      add('"');
    }
    add(`,"width":${img.width},"height":${img.height}}`);
  });
  const rest = JSON.stringify({
    generation_time_ms: result.generationTimeMs,
    model: request.model,
    prompt: request.prompt,
    id: result.generationId,
    credits_used: result.creditsUsed,
  });
  add(`],${rest.slice(1)}}`);
  let size = 0;
  for (const p of pieces) size += p.ascii ? p.text.length : Buffer.byteLength(p.text);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of pieces) at += out.write(p.text, at, p.ascii ? 'latin1' : 'utf8');
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export function registerGenerateImage(app: Hono<AppEnv>, deps: GenerateImageRouteDeps): void {
  app.post(
    GENERATE_IMAGE_PATH,
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
    async (c) => {
      const request = await readGenerateImageRequest(c, deps.bodyLimitBytes);
      const key = c.get('apiKey');
      const baseUrl = deps.publicBaseUrl ?? new URL(c.req.url).origin;
      const idempotencyKey = c.req.header('idempotency-key');
      if (idempotencyKey !== undefined && !isValidIdempotencyKey(idempotencyKey)) {
        throw new ApiError(
          'invalid_parameters',
          'Idempotency-Key must be 1-255 printable ASCII characters',
          { field: 'Idempotency-Key' },
        );
      }
      if (idempotencyKey !== undefined) {
        const claim = await deps.idempotency.claim({
          accountId: key.accountId,
          key: idempotencyKey,
          requestHash: hashRequest(request),
          signal: c.req.raw.signal,
        });
        if (claim.kind === 'conflict') {
          throw new ApiError(
            'idempotency_conflict',
            'This Idempotency-Key was already used with a different request body',
          );
        }
        if (claim.kind === 'replay') {
          c.header('Idempotent-Replayed', 'true');
          const images = await replayImages(deps, claim.stored, request.includeBase64);
          return c.body(
            successJson({ ...claim.stored, images }, request, baseUrl),
            200,
            JSON_HEADERS,
          );
        }
      }
      const forget = () =>
        idempotencyKey === undefined
          ? Promise.resolve()
          : deps.idempotency.abandon(key.accountId, idempotencyKey);

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
      let result: Awaited<ReturnType<GenerateImages>>;
      try {
        // Bound before anything is reserved: if this process dies, a retry with the key finds
        // what the generation delivered (and was charged for) instead of running another.
        const generationId = idempotencyKey === undefined ? undefined : newGenerationId();
        if (idempotencyKey !== undefined && generationId !== undefined) {
          await deps.idempotency.bind(key.accountId, idempotencyKey, generationId);
        }
        result = await deps.generateImages(request, {
          accountId: key.accountId,
          apiKeyId: key.id,
          requestId: c.get('requestId'),
          ...(generationId === undefined ? {} : { generationId }),
        });
      } catch (err) {
        await forget();
        throw err;
      } finally {
        await slot.release();
      }
      if (!result.ok) {
        await forget();
        const { code, message, retryAfter } = result.failure;
        throw new ApiError(code, message, retryAfter !== undefined ? { retryAfter } : {});
      }
      if (idempotencyKey !== undefined) {
        await deps.idempotency.complete(key.accountId, idempotencyKey, {
          generationId: result.generationId,
          imageIds: result.images.map((i) => i.id),
          generationTimeMs: result.generationTimeMs,
          creditsUsed: result.creditsUsed,
        });
      }
      return c.body(successJson(result, request, baseUrl), 200, JSON_HEADERS);
    },
  );
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], GENERATE_IMAGE_PATH, (c) => {
    c.header('Allow', 'POST');
    throw new ApiError('method_not_allowed', `${c.req.method} is not allowed here; use POST`);
  });
}
