import type { z } from 'zod';
import type { GenerateImageRequest } from '../../../contract/generate-image.ts';
import type { RequestedSize } from '../../../contract/sizes.ts';
import type { ModelDirectory } from './model-directory.ts';
import {
  type commonFields,
  FORM_BOOLEANS,
  FORM_INTEGERS,
  imageEditFormSchema,
  imageEditJsonSchema,
  imageGenerationSchema,
  MASK_REFUSAL,
  STYLE_MODES,
} from './schemas.ts';
import { resolveOpenAiSize } from './sizes.ts';

/*
 * How each OpenAI field maps onto goodtake's generate-images request. Nothing a client sends
 * is dropped: a field is either mapped (documented in docs/api.md) or refused with a 400
 * naming it.
 */

/** A request mapped onto the generate-images use case, with how to answer it. */
export interface OpenAiImageCall {
  readonly request: GenerateImageRequest;
  readonly responseFormat: 'url' | 'b64_json';
  readonly stream: boolean;
  readonly partialImages: number;
  /** The `quality` answers report: the resolution class chosen, or `auto` for a fixed size. */
  readonly quality: 'low' | 'medium' | 'high' | 'auto';
}

/** Why a request was refused: OpenAI's `param` and `code`, and the message. */
export interface OpenAiRefusal {
  readonly ok: false;
  readonly param: string | null;
  readonly code: string;
  readonly message: string;
}

export type OpenAiParse = { readonly ok: true; readonly call: OpenAiImageCall } | OpenAiRefusal;

const refuse = (param: string | null, code: string, message: string): OpenAiRefusal => ({
  ok: false,
  param,
  code,
  message,
});

/** A path as OpenAI writes it: `images[0].image_url`. */
function paramOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${String(p)}` : String(p)))
    .join('');
}

/** The first problem zod found, as OpenAI words its codes. */
function firstIssue(error: z.ZodError, supported: readonly string[]): OpenAiRefusal {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const shown = key.length > 64 ? `${key.slice(0, 64)}...` : key;
    const param = paramOf([...issue.path, shown]);
    const list = issue.path.length === 0 ? `. Supported parameters: ${supported.join(', ')}` : '';
    return refuse(param, 'unknown_parameter', `Unknown parameter: '${param}'${list}`);
  }
  const param = paramOf(issue.path);
  const message = issue.path.length > 1 ? `${param}: ${issue.message}` : issue.message;
  if (issue.code === 'invalid_type' && issue.expected === 'never') {
    return refuse(param, 'unsupported_parameter', message);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return refuse(param, 'missing_required_parameter', message);
  }
  // A number that is not an integer is the right type with a wrong value.
  if (issue.code === 'invalid_type' && issue.expected !== 'int') {
    return refuse(param, 'invalid_type', message);
  }
  return refuse(param, 'invalid_value', message);
}

const OPENAI_MODEL = /^(dall-e|gpt-image|chatgpt-image|gpt-)/i;

type CommonBody = z.infer<z.ZodObject<typeof commonFields>> & {
  style?: 'vivid' | 'natural' | null | undefined;
};

/** Sources of an edit: entries checked like `image_urls`, named by their request field. */
export interface EditSources {
  readonly entries: readonly string[];
  readonly field: string;
}

/** Maps a body that passed its schema onto the use case's request. */
function mapBody(
  body: CommonBody,
  directory: ModelDirectory,
  sources: EditSources | undefined,
): OpenAiParse {
  const modelId = body.model ?? directory.defaultModel;
  const model = directory.find(modelId);
  if (!model) {
    const available = directory
      .list()
      .map((m) => m.id)
      .join(', ');
    const shown = modelId.length > 64 ? `${modelId.slice(0, 64)}...` : modelId;
    const message = OPENAI_MODEL.test(modelId)
      ? `model '${shown}' is an OpenAI model; this server generates with: ${available}`
      : `model '${shown}' is not available. Available models: ${available}`;
    return refuse('model', 'model_not_found', message);
  }
  if (sources && sources.entries.length > model.maxSourceImages) {
    return refuse(
      sources.field,
      'invalid_value',
      model.maxSourceImages === 0
        ? `${model.id} edits no images: use /v1/images/generations`
        : `${model.id} takes at most ${model.maxSourceImages} images`,
    );
  }
  const size = resolveOpenAiSize(directory, model, body.size ?? 'auto', body.quality ?? 'auto');
  if (!size.ok) return refuse(size.param, 'invalid_value', size.message);

  const outputFormat = body.output_format ?? undefined;
  const compression = body.output_compression ?? undefined;
  if (compression !== undefined && outputFormat !== 'jpeg' && outputFormat !== 'webp') {
    return refuse(
      'output_compression',
      'invalid_value',
      "output_compression applies to output_format 'jpeg' or 'webp'; send one of them with it",
    );
  }
  const stream = body.stream ?? false;
  const partialImages = body.partial_images ?? 0;
  if (partialImages > 0 && !stream) {
    return refuse(
      'partial_images',
      'invalid_value',
      'partial_images applies to streamed responses; send stream: true with it',
    );
  }
  const responseFormat = body.response_format ?? 'url';
  const request: GenerateImageRequest = {
    prompt: body.prompt,
    model: model.id,
    numberOfImages: body.n ?? 1,
    sizeLabel: size.label,
    size: size.size,
    optimizeMode: body.style ? STYLE_MODES[body.style] : 'standard',
    // Streamed events always carry the image itself (b64_json), as OpenAI's do.
    includeBase64: responseFormat === 'b64_json' || stream,
    imageUrls: sources?.entries ?? [],
    ...(sources ? { sourceField: sources.field } : {}),
    ...(body.user ? { endUser: body.user } : {}),
    ...(outputFormat
      ? { output: { format: outputFormat, ...(compression === undefined ? {} : { compression }) } }
      : {}),
  };
  return {
    ok: true,
    call: { request, responseFormat, stream, partialImages, quality: reportedQuality(size.size) },
  };
}

const TIER_QUALITY = { '1K': 'low', '2K': 'medium', '4K': 'high' } as const;

function reportedQuality(size: RequestedSize): OpenAiImageCall['quality'] {
  return size.kind === 'auto' ? TIER_QUALITY[size.tier] : 'auto';
}

function isObject(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

const NOT_AN_OBJECT = refuse(null, 'invalid_type', 'The request body must be a JSON object');

/** `POST /v1/images/generations`: the parsed JSON body, mapped or refused. */
export function parseGenerationBody(body: unknown, directory: ModelDirectory): OpenAiParse {
  if (!isObject(body)) return NOT_AN_OBJECT;
  const parsed = imageGenerationSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    return firstIssue(parsed.error, Object.keys(imageGenerationSchema.shape));
  }
  return mapBody(parsed.data, directory, undefined);
}

/** `POST /v1/images/edits` with a JSON body (`images: [{"image_url": ...}]`). */
export function parseEditJsonBody(body: unknown, directory: ModelDirectory): OpenAiParse {
  if (!isObject(body)) return NOT_AN_OBJECT;
  const parsed = imageEditJsonSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return firstIssue(parsed.error, Object.keys(imageEditJsonSchema.shape));
  const entries: string[] = [];
  for (const [i, image] of parsed.data.images.entries()) {
    if (!image.image_url) {
      return refuse(
        `images[${i}].image_url`,
        'missing_required_parameter',
        `images[${i}]: image_url is required`,
      );
    }
    entries.push(image.image_url);
  }
  return mapBody(parsed.data, directory, { entries, field: 'images' });
}

/**
 * `POST /v1/images/edits` as multipart/form-data: the text fields (numbers and booleans
 * arrive as text and are read strictly) and the uploaded images, as data URIs for the same
 * checks as `image_urls`.
 */
export function parseEditFormFields(
  form: { fields: Readonly<Record<string, string>>; images: readonly string[]; mask: boolean },
  directory: ModelDirectory,
): OpenAiParse {
  const { fields, images } = form;
  if (form.mask) return refuse('mask', 'unsupported_parameter', MASK_REFUSAL);
  const typed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (FORM_INTEGERS.has(name) && /^-?\d{1,9}$/.test(value)) typed[name] = Number(value);
    else if (FORM_BOOLEANS.has(name) && (value === 'true' || value === 'false')) {
      typed[name] = value === 'true';
    } else typed[name] = value;
  }
  const parsed = imageEditFormSchema.safeParse(typed, { reportInput: true });
  if (!parsed.success) {
    return firstIssue(parsed.error, ['image', ...Object.keys(imageEditFormSchema.shape)]);
  }
  if (images.length === 0) {
    return refuse(
      'image',
      'missing_required_parameter',
      'image is required: upload 1 or more image files',
    );
  }
  return mapBody(parsed.data, directory, { entries: images, field: 'image' });
}
