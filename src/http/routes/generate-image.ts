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
          requestHash: hashRequest({ respond: 'async', request }),
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
        requestHash: hashRequest(request),
        request,
        baseUrl,
        signal: c.req.raw.signal,
      });
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.body(successJson(result, request, baseUrl), 200, JSON_HEADERS);
    },
  );
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], GENERATE_IMAGE_PATH, (c) => {
    c.header('Allow', 'POST');
    throw new ApiError('method_not_allowed', `${c.req.method} is not allowed here; use POST`);
  });
}
