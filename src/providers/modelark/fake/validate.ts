import sharp from 'sharp';
import type { ModelId } from '../../../contract/models.ts';
import { MAX_ASPECT, MAX_PIXELS, MIN_PIXELS, SIZE_TOKENS } from '../upstream-size.ts';
import { type FakeError, invalidParameter, missingParameter } from './errors.ts';

/** Which model-id scheme the fake accepts: BytePlus ids, Volcengine `doubao-` ids, or both. */
export type FakeFlavor = 'byteplus' | 'volcengine' | 'both';

/** A request that passed validation, normalised. */
export interface ValidRequest {
  /** The id as sent (echoed in replies). */
  readonly modelName: string;
  readonly model: ModelId;
  readonly prompt: string;
  readonly size:
    | { readonly kind: 'token'; readonly token: string }
    | { readonly kind: 'exact'; readonly width: number; readonly height: number };
  readonly imageCount: number;
  readonly sequential: boolean;
  /** Upper bound of outputs: 1 unless sequential. */
  readonly maxImages: number;
  readonly stream: boolean;
  readonly responseFormat: 'url' | 'b64_json';
  readonly watermark: boolean;
}

export type Validation = { ok: true; request: ValidRequest } | { ok: false; error: FakeError };

const KNOWN_FIELDS = new Set([
  'model',
  'prompt',
  'image',
  'size',
  'sequential_image_generation',
  'sequential_image_generation_options',
  'stream',
  'response_format',
  'watermark',
  'optimize_prompt_options',
]);

const MODELS: readonly ModelId[] = ['seedream-4-5-251128', 'seedream-4-0-250828'];
const MAX_REFERENCES = 14;
const MAX_TOTAL_IMAGES = 15;
const DATA_URI = /^data:image\/([a-z]+);base64,(.*)$/s;
const FORMATS = new Set(['jpeg', 'jpg', 'png', 'webp', 'bmp', 'tiff', 'gif']);

export interface ValidationLimits {
  readonly flavor: FakeFlavor;
  /** Decoded bytes per reference image. */
  readonly maxImageBytes: number;
}

/** Resolves a model id under the flavor's naming scheme. */
export function resolveModel(id: string, flavor: FakeFlavor): ModelId | undefined {
  for (const model of MODELS) {
    if (flavor !== 'volcengine' && id === model) return model;
    if (flavor !== 'byteplus' && id === `doubao-${model}`) return model;
  }
  return undefined;
}

/** Validates a body as strictly as the upstream does for Seedream 4.0/4.5. */
export async function validateRequest(
  body: unknown,
  limits: ValidationLimits,
): Promise<Validation> {
  const no = (error: FakeError): Validation => ({ ok: false, error });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return no(invalidParameter('body', 'the request body must be a JSON object'));
  }
  const b = body as Record<string, unknown>;
  if (b.model === undefined || b.model === '') return no(missingParameter('model'));
  if (typeof b.model !== 'string') return no(invalidParameter('model', 'must be a string'));
  const model = resolveModel(b.model, limits.flavor);
  if (!model) {
    return no({
      status: 404,
      code: 'InvalidEndpointOrModel.NotFound',
      param: 'model',
      message: `The model or endpoint ${b.model} does not exist or you do not have access to it.`,
    });
  }
  const family = b.model.replace(/-\d{6}$/, '');
  for (const key of Object.keys(b)) {
    if (!KNOWN_FIELDS.has(key))
      return no(invalidParameter(key, `the parameter is not supported by model ${family}`));
  }
  if (b.prompt === undefined || b.prompt === '') return no(missingParameter('prompt'));
  if (typeof b.prompt !== 'string') return no(invalidParameter('prompt', 'must be a string'));

  const size = checkSize(b.size, model, family);
  if ('error' in size) return no(size.error);

  const images = await checkImages(b.image, limits.maxImageBytes);
  if (typeof images !== 'number') return no(images);

  const seq = b.sequential_image_generation ?? 'disabled';
  if (seq !== 'auto' && seq !== 'disabled') {
    return no(invalidParameter('sequential_image_generation', 'must be one of auto, disabled'));
  }
  const maxImages = checkSequentialOptions(b.sequential_image_generation_options);
  if (typeof maxImages !== 'number') return no(maxImages);

  for (const key of ['stream', 'watermark'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'boolean')
      return no(invalidParameter(key, 'must be a boolean'));
  }
  const format = b.response_format ?? 'url';
  if (format !== 'url' && format !== 'b64_json') {
    return no(invalidParameter('response_format', 'must be one of url, b64_json'));
  }
  const optimize = checkOptimize(b.optimize_prompt_options, model);
  if (optimize) return no(optimize);

  return {
    ok: true,
    request: {
      modelName: b.model,
      model,
      prompt: b.prompt,
      size: size.value,
      imageCount: images,
      sequential: seq === 'auto',
      // Refs + outputs may not exceed 15. The upstream's reaction to more is undocumented; the
      // fake clamps, as the docs call max_images an upper bound.
      maxImages: seq === 'auto' ? Math.min(maxImages, MAX_TOTAL_IMAGES - images) : 1,
      stream: b.stream === true,
      responseFormat: format,
      watermark: b.watermark !== false,
    },
  };
}

function checkSize(
  raw: unknown,
  model: ModelId,
  family: string,
): { value: ValidRequest['size'] } | { error: FakeError } {
  if (raw === undefined) return { value: { kind: 'exact', width: 2048, height: 2048 } };
  if (typeof raw !== 'string') return { error: invalidParameter('size', 'must be a string') };
  if ((SIZE_TOKENS[model] as readonly string[]).includes(raw))
    return { value: { kind: 'token', token: raw } };
  const m = /^(\d+)x(\d+)$/.exec(raw);
  if (!m) {
    return {
      error: invalidParameter('size', `the specified size is not supported for model ${family}`),
    };
  }
  const width = Number(m[1]);
  const height = Number(m[2]);
  const pixels = width * height;
  if (pixels < MIN_PIXELS[model]) {
    return {
      error: invalidParameter('size', `image size must be at least ${MIN_PIXELS[model]} pixels`),
    };
  }
  if (pixels > MAX_PIXELS) {
    return { error: invalidParameter('size', `image size must be at most ${MAX_PIXELS} pixels`) };
  }
  const ratio = width / height;
  if (ratio > MAX_ASPECT || ratio < 1 / MAX_ASPECT) {
    return { error: invalidParameter('size', 'the aspect ratio must be between 1/16 and 16') };
  }
  return { value: { kind: 'exact', width, height } };
}

async function checkImages(raw: unknown, maxBytes: number): Promise<number | FakeError> {
  if (raw === undefined) return 0;
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list))
    return invalidParameter('image', 'must be a string or an array of strings');
  if (list.length === 0)
    return {
      status: 400,
      code: 'InvalidImageURL.EmptyURL',
      param: 'image',
      message: 'The image URL is empty.',
    };
  if (list.length > MAX_REFERENCES) {
    return invalidParameter('image', `at most ${MAX_REFERENCES} images are supported`);
  }
  for (const entry of list) {
    const problem = await checkImage(entry, maxBytes);
    if (problem) return problem;
  }
  return list.length;
}

async function checkImage(entry: unknown, maxBytes: number): Promise<FakeError | undefined> {
  const badFormat: FakeError = {
    status: 400,
    code: 'InvalidImageURL.InvalidFormat',
    param: 'image',
    message: 'The format of the image URL or base64 data is invalid.',
  };
  if (typeof entry !== 'string')
    return invalidParameter('image', 'must be a string or an array of strings');
  if (entry === '')
    return {
      status: 400,
      code: 'InvalidImageURL.EmptyURL',
      param: 'image',
      message: 'The image URL is empty.',
    };
  if (/^https?:\/\/[^\s]+$/i.test(entry)) return undefined;
  const m = DATA_URI.exec(entry);
  // The format must be lowercase (`data:image/PNG;…` is refused upstream too).
  if (!m) return badFormat;
  if (!FORMATS.has(m[1]!)) return badFormat;
  const bytes = Buffer.from(m[2]!, 'base64');
  if (bytes.byteLength === 0) return badFormat;
  if (bytes.byteLength > maxBytes)
    return invalidParameter('image', `image size must be at most ${maxBytes} bytes`);
  let w: number;
  let h: number;
  try {
    const meta = await sharp(bytes).metadata();
    w = meta.width ?? 0;
    h = meta.height ?? 0;
  } catch {
    return badFormat;
  }
  if (w <= 14 || h <= 14)
    return invalidParameter('image', 'image width and height must be greater than 14 pixels');
  if (w / h > MAX_ASPECT || w / h < 1 / MAX_ASPECT) {
    return invalidParameter('image', 'the aspect ratio of the image must be between 1/16 and 16');
  }
  if (w * h > 36_000_000) return invalidParameter('image', 'image must be at most 36000000 pixels');
  return undefined;
}

function checkSequentialOptions(raw: unknown): number | FakeError {
  if (raw === undefined) return MAX_TOTAL_IMAGES;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalidParameter('sequential_image_generation_options', 'must be an object');
  }
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'max_images')
      return invalidParameter(`sequential_image_generation_options.${key}`, 'unknown parameter');
  }
  const max = o.max_images ?? MAX_TOTAL_IMAGES;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_TOTAL_IMAGES) {
    return invalidParameter(
      'sequential_image_generation_options.max_images',
      'must be an integer in [1, 15]',
    );
  }
  return max;
}

function checkOptimize(raw: unknown, model: ModelId): FakeError | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalidParameter('optimize_prompt_options', 'must be an object');
  }
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'mode')
      return invalidParameter(`optimize_prompt_options.${key}`, 'unknown parameter');
  }
  const mode = o.mode ?? 'standard';
  const allowed = model === 'seedream-4-0-250828' ? ['standard', 'fast'] : ['standard'];
  if (typeof mode !== 'string' || !allowed.includes(mode)) {
    return invalidParameter(
      'optimize_prompt_options.mode',
      `must be one of ${allowed.join(', ')} for this model`,
    );
  }
  return undefined;
}
