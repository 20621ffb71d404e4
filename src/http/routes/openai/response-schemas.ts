import { z } from 'zod';

/*
 * The OpenAI-compatible answers as zod schemas: they describe the responses in the OpenAPI
 * document, and the tests check real answers against them.
 */

const usageSchema = z.strictObject({
  input_tokens: z.int().nonnegative(),
  input_tokens_details: z.strictObject({
    image_tokens: z.int().nonnegative(),
    text_tokens: z.int().nonnegative(),
  }),
  output_tokens: z
    .int()
    .nonnegative()
    .describe('Width x height / 256 per image, as Seedream counts.'),
  total_tokens: z.int().nonnegative(),
});

const described = {
  background: z.literal('opaque'),
  output_format: z.enum(['jpeg', 'png', 'webp']),
  quality: z.enum(['low', 'medium', 'high', 'auto']).describe('The resolution class used.'),
  size: z.string().describe('WxH of the images when they share it, else auto.'),
};

export const imagesResponseSchema = z.strictObject({
  created: z.int().nonnegative().describe('Epoch seconds when the generation was made.'),
  data: z.array(
    z.union([
      z.strictObject({ url: z.string().describe('Permanent URL on goodtake storage.') }),
      z.strictObject({ b64_json: z.string().describe('The stored image, base64.') }),
    ]),
  ),
  ...described,
  usage: usageSchema,
});

export const imageStreamEventSchema = z.strictObject({
  type: z.enum(['image_generation.completed', 'image_edit.completed']),
  b64_json: z.string(),
  created_at: z.int().nonnegative(),
  ...described,
  usage: usageSchema,
  url: z.string().describe('Permanent URL of the same image (additive).'),
});

export const openAiErrorSchema = z.strictObject({
  error: z.strictObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

export const modelSchema = z.strictObject({
  id: z.string(),
  object: z.literal('model'),
  created: z.int().nonnegative().describe('Release date, epoch seconds.'),
  owned_by: z.string(),
});

export const modelListSchema = z.strictObject({
  object: z.literal('list'),
  data: z.array(modelSchema),
});
