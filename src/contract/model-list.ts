import { z } from 'zod';
import { OPTIMIZE_MODES } from './models.ts';

/*
 * The response body of `GET /api/v1/models`: it documents the route (OpenAPI), the tests parse
 * real responses with it, and the SDK's `client.models.list()` returns its `data.models`.
 */

export const modelEntrySchema = z.strictObject({
  id: z.string().describe('The id to send as `model`.'),
  name: z.string().describe('Display name.'),
  owned_by: z.string(),
  price_per_image: z.int().positive().describe('Credits charged per delivered image.'),
  sizes: z.array(z.string()).describe('Every `size` value the model accepts.'),
  default_size: z.string().describe('The size used when a request names none.'),
  capabilities: z.strictObject({
    blend: z.boolean().describe('Whether it takes source images (image_urls).'),
    max_source_images: z.int().nonnegative(),
    prompt_modes: z.array(z.enum(OPTIMIZE_MODES)).describe('optimize_prompt_mode values.'),
  }),
  default: z.boolean().describe('Whether a request without `model` uses this one.'),
  available: z
    .boolean()
    .describe('Whether some route can serve it right now (false while every route is down).'),
});

export const modelListSchema = z.strictObject({
  status: z.literal('success'),
  data: z.strictObject({ models: z.array(modelEntrySchema) }),
});

export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type ModelList = z.infer<typeof modelListSchema>;
