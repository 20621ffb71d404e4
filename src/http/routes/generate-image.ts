import type { Context, Hono } from 'hono';
import type { Catalog } from '../../catalog/types.ts';
import {
  checkGenerateImageRequest,
  type GenerateImageRequest,
  type GenerateImageResponse,
  type ModelLookup,
} from '../../contract/generate-image.ts';
import { hashRequest } from '../../idempotency/idempotency.ts';
import type { DeliveredImage } from '../../images/generate-images.ts';
import { generationLinks } from '../../jobs/render.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { type GenerationCallDeps, runGeneration, submitGeneration } from '../generation-call.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { generateImageBodySpec } from './generate-image-body.ts';
import { imageUrl } from './images.ts';

export const GENERATE_IMAGE_PATH = '/api/v1/bytedance/generate-image';

export interface GenerateImageRouteDeps extends GenerationCallDeps {
  readonly keys: KeyService;
  readonly requestLimiter: RequestLimiter;
  readonly bodyLimitBytes: number;
  readonly publicBaseUrl: string | undefined;
  /** The models served (the catalog). */
  readonly catalog: Catalog;
  /** What is wrong with a `webhook_url` under the operator's address policy, if anything. */
  readonly webhookUrlProblem: (url: string) => string | undefined;
}

/**
 * Reads and validates the JSON body within the bounds of what the endpoint can use
 * (generate-image-body.ts), or throws the contract's 4xx.
 */
export async function readGenerateImageRequest(
  c: Context<AppEnv>,
  maxBodyBytes: number,
  models: ModelLookup,
): Promise<GenerateImageRequest> {
  const body = await c.var.body.json(generateImageBodySpec(maxBodyBytes));
  const check = checkGenerateImageRequest(body, models);
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

/** Bytes of image data encoded per base64 piece of a streamed body (64 KiB of base64). */
const BASE64_PIECE_BYTES = 3 * 16 * 1024;

/**
 * The same body as `JSON.stringify(successBody(...))`, as UTF-8 pieces produced on demand, and
 * its length in bytes: built without running JSON.stringify over the base64 data and without
 * any string or buffer of the whole body. A 2 MB image is 2.7 MB of base64 that needs no
 * escaping; it is encoded 48 KiB of image at a time as the client reads, so a response holds
 * at most one piece beyond the stored bytes, instead of a 2.7 MB string and a 2.7 MB body.
 */
export function successJsonPieces(
  result: Parameters<typeof successBody>[0],
  request: GenerateImageRequest,
  baseUrl: string,
): { readonly byteLength: number; pieces(): Generator<Uint8Array> } {
  // JSON text around the images' data, which is ASCII: its length is known without encoding it.
  type Part = { text: string } | { data: Buffer };
  const parts: Part[] = [];
  let text = '{"status":"success","data":{"images":[';
  result.images.forEach((img, i) => {
    text += `${i > 0 ? ',' : ''}{"url":${JSON.stringify(imageUrl(baseUrl, img))}`;
    if (img.data) {
      text += `,"base64":"data:${JSON.stringify(img.contentType).slice(1, -1)};base64,`;
      // A view as Buffer: its toString encodes a range without copying it first.
      parts.push(
        { text },
        { data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength) },
      );
      text = '"';
    }
    text += `,"width":${img.width},"height":${img.height}}`;
  });
  const rest = JSON.stringify({
    generation_time_ms: result.generationTimeMs,
    model: request.model,
    prompt: request.prompt,
    id: result.generationId,
    credits_used: result.creditsUsed,
  });
  parts.push({ text: `${text}],${rest.slice(1)}}` });
  let byteLength = 0;
  for (const part of parts) {
    byteLength +=
      'text' in part ? Buffer.byteLength(part.text) : Math.ceil(part.data.byteLength / 3) * 4;
  }
  return {
    byteLength,
    *pieces() {
      for (const part of parts) {
        if ('text' in part) {
          yield Buffer.from(part.text, 'utf8');
          continue;
        }
        const { data } = part;
        // Pieces of a multiple of 3 bytes encode without padding, so they concatenate.
        for (let at = 0; at < data.byteLength; at += BASE64_PIECE_BYTES) {
          const end = Math.min(data.byteLength, at + BASE64_PIECE_BYTES);
          yield Buffer.from(data.toString('base64', at, end), 'latin1');
        }
      }
    },
  };
}

/** The whole body of `successJsonPieces` in one buffer (small bodies, tests). */
export function successJson(
  result: Parameters<typeof successBody>[0],
  request: GenerateImageRequest,
  baseUrl: string,
): Uint8Array<ArrayBuffer> {
  const body = successJsonPieces(result, request, baseUrl);
  const out = Buffer.allocUnsafe(body.byteLength);
  let at = 0;
  for (const piece of body.pieces()) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

/**
 * A 200 body streamed piece by piece as the socket drains, with its exact Content-Length:
 * for responses carrying base64 images.
 */
function streamedBody(body: ReturnType<typeof successJsonPieces>): ReadableStream<Uint8Array> {
  const pieces = body.pieces();
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        pieces.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/** Whether a `Prefer` header (RFC 7240) asks for `respond-async`. */
export function prefersAsync(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .some((p) => p.split(';')[0]!.split('=')[0]!.trim().toLowerCase() === 'respond-async');
}

export function registerGenerateImage(app: Hono<AppEnv>, deps: GenerateImageRouteDeps): void {
  app.post(
    GENERATE_IMAGE_PATH,
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
    async (c) => {
      const request = await readGenerateImageRequest(c, deps.bodyLimitBytes, deps.catalog);
      if (request.webhook) {
        const problem = deps.webhookUrlProblem(request.webhook.url);
        if (problem) throw new ApiError('invalid_parameters', problem, { field: 'webhook_url' });
      }
      const baseUrl = deps.publicBaseUrl ?? new URL(c.req.url).origin;
      if (prefersAsync(c.req.header('prefer'))) {
        const queued = await submitGeneration(deps, {
          key: c.get('apiKey'),
          requestId: c.get('requestId'),
          idempotencyKey: c.req.header('idempotency-key'),
          // Its own namespace: the same key on a synchronous request is a different request.
          requestHash: () => hashRequest({ respond: 'async', request }),
          request,
          baseUrl,
          signal: c.req.raw.signal,
        });
        const links = generationLinks(baseUrl, queued.generationId);
        if (queued.replayed) c.header('Idempotent-Replayed', 'true');
        c.header('Location', links.status_url!);
        c.header('Preference-Applied', 'respond-async');
        return c.json({ status: 'queued', data: { id: queued.generationId, ...links } }, 202);
      }
      const result = await runGeneration(deps, {
        key: c.get('apiKey'),
        requestId: c.get('requestId'),
        idempotencyKey: c.req.header('idempotency-key'),
        requestHash: () => hashRequest(request),
        request,
        baseUrl,
        signal: c.req.raw.signal,
      });
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      if (result.images.some((img) => img.data)) {
        const body = successJsonPieces(result, request, baseUrl);
        return c.body(streamedBody(body), 200, {
          ...JSON_HEADERS,
          'Content-Length': String(body.byteLength),
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
