import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  checkGenerateImageRequest,
  type GenerateImageRequest,
  type GenerateImageResponse,
} from '../../contract/generate-image.ts';
import type { GenerateImages, GenerateResult } from '../../images/generate-images.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { imageUrl } from './images.ts';

export const GENERATE_IMAGE_PATH = '/api/v1/bytedance/generate-image';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export interface GenerateImageRouteDeps {
  readonly keys: KeyService;
  readonly generateImages: GenerateImages;
  readonly bodyLimitBytes: number;
  readonly publicBaseUrl: string | undefined;
}

/** Reads and validates the JSON body, or throws the contract's 4xx. */
export async function readGenerateImageRequest(c: Context<AppEnv>): Promise<GenerateImageRequest> {
  const type = c.req.header('content-type');
  if (!type || !JSON_TYPE.test(type)) {
    throw new ApiError(
      'unsupported_media_type',
      'The request body must be JSON, sent with Content-Type: application/json',
    );
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid JSON');
  }
  const check = checkGenerateImageRequest(body);
  if (!check.ok) throw new ApiError('invalid_parameters', check.message, { field: check.field });
  return check.request;
}

/** The 200 body of the seed, plus the additive `id` and `credits_used`. */
export function successBody(
  result: Extract<GenerateResult, { ok: true }>,
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

export function registerGenerateImage(app: Hono<AppEnv>, deps: GenerateImageRouteDeps): void {
  app.post(
    GENERATE_IMAGE_PATH,
    authenticate(deps.keys),
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: () => {
        throw new ApiError(
          'payload_too_large',
          `The request body is larger than the limit of ${deps.bodyLimitBytes} bytes`,
        );
      },
    }),
    async (c) => {
      const request = await readGenerateImageRequest(c);
      const key = c.get('apiKey');
      const result = await deps.generateImages(request, {
        accountId: key.accountId,
        apiKeyId: key.id,
        requestId: c.get('requestId'),
      });
      if (!result.ok) {
        const { code, message, retryAfter } = result.failure;
        throw new ApiError(code, message, retryAfter !== undefined ? { retryAfter } : {});
      }
      const baseUrl = deps.publicBaseUrl ?? new URL(c.req.url).origin;
      return c.json(successBody(result, request, baseUrl));
    },
  );
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], GENERATE_IMAGE_PATH, (c) => {
    c.header('Allow', 'POST');
    throw new ApiError('method_not_allowed', `${c.req.method} is not allowed here; use POST`);
  });
}
