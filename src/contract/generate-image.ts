import { z } from 'zod';
import { DEFAULT_MODEL, OPTIMIZE_MODES, type OptimizeMode } from './models.ts';
import { DEFAULT_SIZE, type ModelSizes, parseSize, type RequestedSize } from './sizes.ts';

/** Events a generation's webhook may ask for (`completed` covers failed and canceled too). */
export const WEBHOOK_EVENTS = ['started', 'image', 'completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const MAX_WEBHOOK_URL_CHARS = 1000;

export const MAX_PROMPT_CHARS = 4000;
export const MAX_IMAGE_URLS = 10;
/** Largest source image, decoded, an `image_urls` entry may carry or point to. */
export const MAX_SOURCE_IMAGE_BYTES = 10 * 1024 * 1024;

/**
 * What is wrong with a prompt, or undefined. Linear in its length, with the cheap bound first:
 * 4000 code points are at most 8000 UTF-16 units, so anything longer is refused before any
 * character is looked at, and code points are counted without building an array of them.
 */
export function promptProblem(s: string): string | undefined {
  const tooLong = `prompt must be at most ${MAX_PROMPT_CHARS} characters`;
  if (s.length > MAX_PROMPT_CHARS * 2) return tooLong;
  if (s.trim().length === 0) return 'prompt must not be empty';
  if (!s.isWellFormed() || s.includes('\u0000')) {
    return 'prompt must be text without NUL or unpaired surrogate characters';
  }
  if (s.length > MAX_PROMPT_CHARS) {
    let codePoints = 0;
    for (let i = 0; i < s.length; i++) {
      const unit = s.charCodeAt(i);
      // A well-formed string: a high surrogate is always followed by its low half.
      if (unit >= 0xd800 && unit <= 0xdbff) i++;
      codePoints++;
    }
    if (codePoints > MAX_PROMPT_CHARS) return tooLong;
  }
  return undefined;
}
/** Longest end-user id (OpenAI's `user`) goodtake records and filters by. */
export const MAX_END_USER_CHARS = 256;

const IMAGE_REF = /^(https?:\/\/|data:)/i;

/**
 * The request body of `POST /api/v1/bytedance/generate-image`: the seed's table, with the
 * contract's rules. This schema both validates requests and produces the OpenAPI document.
 */
export const generateImageRequestSchema = z
  .strictObject({
    prompt: z
      .string({
        error: (iss) =>
          iss.input === undefined ? 'prompt is required' : 'prompt must be a string',
      })
      .superRefine((s, ctx) => {
        const problem = promptProblem(s);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('Text description of the image to generate or edit (1-4000 characters).'),
    model: z
      .string({ error: 'model must be a string' })
      .optional()
      // The catalog's default model; the seed's default unless the operator changes it.
      .meta({ default: DEFAULT_MODEL })
      .describe('Model to use: an id of GET /api/v1/models.'),
    number_of_images: z
      .number({ error: 'number_of_images must be an integer between 1 and 4' })
      .int({ error: 'number_of_images must be an integer between 1 and 4' })
      .min(1, { error: 'number_of_images must be an integer between 1 and 4' })
      .max(4, { error: 'number_of_images must be an integer between 1 and 4' })
      .default(1)
      .describe('Number of images to generate (1-4).'),
    size: z
      .string({ error: 'size must be a string' })
      .optional()
      .meta({ default: DEFAULT_SIZE })
      .describe(
        `Image size: 1K, 2K or 4K (auto aspect ratio), or an exact WxH from the model's table (default: the model's default size, ${DEFAULT_SIZE} for the Seedream models).`,
      ),
    optimize_prompt_mode: z
      .enum(OPTIMIZE_MODES, {
        error: `optimize_prompt_mode must be one of: ${OPTIMIZE_MODES.join(', ')}`,
      })
      .default('standard')
      .describe('Prompt optimisation mode.'),
    include_base64_encoding: z
      .boolean({ error: 'include_base64_encoding must be a boolean' })
      .default(false)
      .describe('Also return each image as a base64 data URI.'),
    image_urls: z
      .array(
        z
          .string({ error: 'image_urls entries must be strings' })
          .regex(IMAGE_REF, { error: 'image_urls entries must be http(s) URLs or data URIs' }),
        { error: 'image_urls must be an array of strings' },
      )
      .max(MAX_IMAGE_URLS, { error: `image_urls may hold at most ${MAX_IMAGE_URLS} entries` })
      .default([])
      .describe('HTTP(S) URLs or base64 data URIs of source images; non-empty means blend mode.'),
    webhook_url: z
      .string({ error: 'webhook_url must be a string' })
      .max(MAX_WEBHOOK_URL_CHARS, {
        error: `webhook_url must be at most ${MAX_WEBHOOK_URL_CHARS} characters`,
      })
      .regex(/^https?:\/\/\S+$/i, { error: 'webhook_url must be an absolute https URL' })
      .optional()
      .describe(
        "Additive: an https URL that receives the generation's events as signed webhooks (Standard Webhooks).",
      ),
    webhook_events: z
      .array(
        z.enum(WEBHOOK_EVENTS, {
          error: `webhook_events entries must be one of: ${WEBHOOK_EVENTS.join(', ')}`,
        }),
        { error: 'webhook_events must be an array of event names' },
      )
      .min(1, { error: 'webhook_events must name at least one event' })
      .max(WEBHOOK_EVENTS.length, { error: 'webhook_events names each event at most once' })
      .optional()
      .describe(
        'Additive: which events the webhook receives (default ["completed"]; completed also covers failed and canceled).',
      ),
  })
  .describe('Seedream image generation request');

export type GenerateImageRequestBody = z.input<typeof generateImageRequestSchema>;

/** A validated request, with the size resolved for its model. */
export interface GenerateImageRequest {
  readonly prompt: string;
  /** A model id of the catalog. */
  readonly model: string;
  readonly numberOfImages: number;
  readonly sizeLabel: string;
  readonly size: RequestedSize;
  readonly optimizeMode: OptimizeMode;
  readonly includeBase64: boolean;
  readonly imageUrls: readonly string[];
  /**
   * The caller's own end user (OpenAI's `user`), recorded with the generation so usage can be
   * filtered by it. Absent on the native endpoint.
   */
  readonly endUser?: string;
  /** Re-encode every image to this format before it is stored (absent: keep the model's). */
  readonly output?: OutputEncoding;
  /** The request field that carried the sources, as error messages name it (`image_urls`). */
  readonly sourceField?: string;
  /** Where the generation's events go as signed webhooks, and which of them. */
  readonly webhook?: { readonly url: string; readonly events: readonly WebhookEvent[] };
}

/** How delivered images are encoded when a client asks for a format. */
export interface OutputEncoding {
  readonly format: 'jpeg' | 'png' | 'webp';
  /** 0-100, for JPEG and WebP; the encoder's default quality when absent. */
  readonly compression?: number;
}

export type RequestCheck =
  | { ok: true; request: GenerateImageRequest }
  | { ok: false; field: string; message: string };

export const SUPPORTED_FIELDS = Object.keys(generateImageRequestSchema.shape);

/**
 * The message for a member the request does not have. A long name is shown cut to 64
 * characters; `cut` says the name given is already only the start of a longer one.
 */
export function unknownFieldProblem(key: string, cut = false): { field: string; message: string } {
  const shown = key.length > 64 || cut ? `${key.slice(0, 64)}...` : key;
  return {
    field: shown,
    message: `unknown field '${shown}'. Supported fields: ${SUPPORTED_FIELDS.join(', ')}`,
  };
}

/** What request checks need to know of the models served (the catalog). */
export interface ModelLookup {
  readonly defaultModel: string;
  readonly models: readonly { readonly id: string }[];
  find(id: string):
    | (ModelSizes & {
        readonly defaultSize: string;
        readonly capabilities: {
          readonly maxSourceImages: number;
          readonly promptModes: readonly OptimizeMode[];
        };
      })
    | undefined;
}

/** Validates a parsed JSON body. The first problem found is reported, naming its field. */
export function checkGenerateImageRequest(body: unknown, models: ModelLookup): RequestCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: '', message: 'the request body must be a JSON object' };
  }
  const parsed = generateImageRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      return { ok: false, ...unknownFieldProblem(issue.keys[0] ?? '') };
    }
    const field = issue.path.map(String).join('.');
    const message = issue.path.length > 1 ? `${field}: ${issue.message}` : issue.message;
    return { ok: false, field, message };
  }
  const v = parsed.data;
  const model = models.find(v.model ?? models.defaultModel);
  if (!model) {
    return {
      ok: false,
      field: 'model',
      message: `model must be one of: ${models.models.map((m) => m.id).join(', ')}`,
    };
  }
  const sizeLabel = v.size ?? model.defaultSize;
  const size = parseSize(model, sizeLabel);
  if (!size.ok) return { ok: false, field: 'size', message: size.message };
  if (!model.capabilities.promptModes.includes(v.optimize_prompt_mode)) {
    return {
      ok: false,
      field: 'optimize_prompt_mode',
      message: `optimize_prompt_mode must be one of: ${model.capabilities.promptModes.join(', ')} for ${model.id}`,
    };
  }
  if (v.image_urls.length > model.capabilities.maxSourceImages) {
    return {
      ok: false,
      field: 'image_urls',
      message:
        model.capabilities.maxSourceImages === 0
          ? `${model.id} takes no source images (image_urls must be empty)`
          : `image_urls may hold at most ${model.capabilities.maxSourceImages} entries for ${model.id}`,
    };
  }
  if (v.webhook_events && new Set(v.webhook_events).size !== v.webhook_events.length) {
    return {
      ok: false,
      field: 'webhook_events',
      message: 'webhook_events names each event at most once',
    };
  }
  if (v.webhook_events && v.webhook_url === undefined) {
    return {
      ok: false,
      field: 'webhook_events',
      message: 'webhook_events needs a webhook_url',
    };
  }
  return {
    ok: true,
    request: {
      prompt: v.prompt,
      model: model.id,
      numberOfImages: v.number_of_images,
      sizeLabel,
      size: size.size,
      optimizeMode: v.optimize_prompt_mode,
      includeBase64: v.include_base64_encoding,
      imageUrls: v.image_urls,
      ...(v.webhook_url === undefined
        ? {}
        : { webhook: { url: v.webhook_url, events: v.webhook_events ?? ['completed'] } }),
    },
  };
}

const imageSchema = z.object({
  url: z.string().describe("Permanent URL of the image on goodtake's storage."),
  base64: z
    .string()
    .optional()
    .describe('data:image/jpeg;base64,... of the same bytes (only when asked).'),
  width: z.int().describe('Real pixel width of the stored file.'),
  height: z.int().describe('Real pixel height of the stored file.'),
});

/** The 200 response body, as the seed describes it, plus additive fields. */
export const generateImageResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    images: z.array(imageSchema),
    generation_time_ms: z.int(),
    model: z.string().describe('The model id that served the request.'),
    prompt: z.string(),
    id: z.string().describe('Generation id (additive).'),
    credits_used: z.int().describe('Credits charged for the delivered images (additive).'),
  }),
});

export type GenerateImageResponse = z.infer<typeof generateImageResponseSchema>;
