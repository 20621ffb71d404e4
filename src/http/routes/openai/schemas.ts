import { z } from 'zod';
import {
  generateImageRequestSchema,
  MAX_END_USER_CHARS,
  MAX_IMAGE_URLS,
} from '../../../contract/generate-image.ts';
import type { OptimizeMode } from '../../../contract/models.ts';

/*
 * The request bodies of `POST /v1/images/generations` and `/v1/images/edits` as zod schemas:
 * they validate requests and generate the OpenAPI document. OpenAI's schema marks its optional
 * fields nullable, so `null` means "not sent" here too. Fields goodtake cannot honour are in
 * the schema with the message that refuses them.
 */

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be an integer between ${min} and ${max}` })
    .int({ error: `${name} must be an integer between ${min} and ${max}` })
    .min(min, { error: `${name} must be an integer between ${min} and ${max}` })
    .max(max, { error: `${name} must be an integer between ${min} and ${max}` });

const oneOf = <const T extends readonly [string, ...string[]]>(name: string, values: T, why = '') =>
  z.enum(values, {
    error: `${name} must be one of: ${values.map((v) => `'${v}'`).join(', ')}${why}`,
  });

const refused = (message: string) => z.never({ error: message }).nullish();

export const QUALITIES = ['auto', 'low', 'medium', 'high', 'standard', 'hd'] as const;
export type Quality = (typeof QUALITIES)[number];

/** `style` (DALL-E 3's) as goodtake's prompt optimisation mode. */
export const STYLE_MODES: Readonly<Record<'vivid' | 'natural', OptimizeMode>> = {
  vivid: 'creative',
  natural: 'precise',
};

/** The fields both endpoints take, as OpenAI names them. */
export const commonFields = {
  prompt: generateImageRequestSchema.shape.prompt,
  model: z
    .string({ error: 'model must be a string' })
    .nullish()
    .describe("A goodtake model id (see GET /v1/models). Default: goodtake's default model."),
  n: int('n', 1, 4).nullish().describe('Number of images (1-4). Default 1.'),
  size: z
    .string({ error: 'size must be a string' })
    .nullish()
    .describe(
      "`auto` (default), `1024x1024`, `1536x1024`, `1024x1536`, or one of the model's own sizes.",
    ),
  quality: oneOf('quality', QUALITIES)
    .nullish()
    .describe('With size auto: low = 1K, medium/standard/auto = 2K, high/hd = 4K.'),
  response_format: oneOf('response_format', ['url', 'b64_json'])
    .nullish()
    .describe('`url` (default, a permanent URL) or `b64_json`.'),
  output_format: oneOf('output_format', ['jpeg', 'png', 'webp'])
    .nullish()
    .describe("Re-encode to this format before storing. Default: the model's own (JPEG)."),
  output_compression: int('output_compression', 0, 100)
    .nullish()
    .describe('Quality (0-100) of a JPEG or WebP output_format.'),
  background: oneOf(
    'background',
    ['auto', 'opaque'],
    ": goodtake's models cannot make transparent backgrounds",
  ).nullish(),
  moderation: oneOf(
    'moderation',
    ['auto'],
    ": the model provider's own moderation always applies and cannot be lowered",
  ).nullish(),
  user: z
    .string({ error: 'user must be a string' })
    .min(1, { error: `user must be 1-${MAX_END_USER_CHARS} characters` })
    .max(MAX_END_USER_CHARS, { error: `user must be 1-${MAX_END_USER_CHARS} characters` })
    .nullish()
    .describe('Your end user; recorded with the generation and usable to filter usage.'),
  stream: z
    .boolean({ error: 'stream must be a boolean' })
    .nullish()
    .describe('Answer with server-sent events.'),
  partial_images: int('partial_images', 0, 3)
    .nullish()
    .describe("0-3, with stream; goodtake's current models send no partial images."),
};

export const imageGenerationSchema = z
  .strictObject({
    ...commonFields,
    style: oneOf('style', ['vivid', 'natural'])
      .nullish()
      .describe('vivid = optimize_prompt_mode creative, natural = precise.'),
  })
  .describe('OpenAI-compatible image generation request');

export const MASK_REFUSAL =
  'mask is not supported: the models edit the whole image from the prompt and take no inpainting mask';

const editFields = {
  ...commonFields,
  mask: refused(MASK_REFUSAL),
  input_fidelity: refused('input_fidelity is not supported: the models have no such setting'),
};

const imageReference = z.strictObject({
  image_url: z
    .string({ error: 'image_url must be a string' })
    .nullish()
    .describe('An http(s) URL or a data:image/{png|jpeg|webp};base64 URL.'),
  file_id: refused(
    'file_id is not supported: goodtake has no Files API; send image_url (an https URL or a data URL)',
  ),
});

export const imageEditJsonSchema = z
  .strictObject({
    ...editFields,
    images: z
      .array(imageReference, { error: 'images must be an array of {"image_url": ...} objects' })
      .min(1, { error: 'images must hold at least one image' })
      .max(MAX_IMAGE_URLS, { error: `images may hold at most ${MAX_IMAGE_URLS} entries` }),
  })
  .describe('OpenAI-compatible image edit request (JSON)');

/** The text fields of a multipart edit (the files are `image`, `image[]` and `mask`). */
export const imageEditFormSchema = z.strictObject(editFields);

/** Multipart text fields that are numbers or booleans in the JSON schema. */
export const FORM_INTEGERS: ReadonlySet<string> = new Set([
  'n',
  'output_compression',
  'partial_images',
]);
export const FORM_BOOLEANS: ReadonlySet<string> = new Set(['stream']);
