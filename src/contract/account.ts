import { z } from 'zod';
import { MAX_END_USER_CHARS } from './generate-image.ts';

/*
 * The response bodies of `GET /api/v1/account` and `GET /api/v1/generations`. They document
 * the routes (OpenAPI) and the tests parse real responses with them, so neither can drift.
 */

const count = z.int().nonnegative();
const time = z.iso.datetime().describe('ISO 8601, UTC.');

export const accountResponseSchema = z.strictObject({
  status: z.literal('success'),
  data: z.strictObject({
    id: z.string().describe('Account id (acc_...).'),
    name: z.string(),
    balance: count.describe('Credits owned.'),
    reserved: count.describe('Credits held by generations in flight.'),
    available: count.describe('balance - reserved: what a new request can spend.'),
    key: z.strictObject({
      id: z.string().describe('Key id (key_...).'),
      name: z.string(),
      prefix: z.string().describe('The first characters of the key.'),
    }),
    limits: z.strictObject({
      requests_per_minute: count.describe('0 = unlimited.'),
      concurrent_generations: count.describe('0 = unlimited.'),
    }),
    prices: z.record(z.string(), count).describe('Credits per delivered image, by model id.'),
  }),
});

export const generationSummarySchema = z.strictObject({
  id: z.string().describe('Generation id (gen_...).'),
  model: z.string(),
  size: z.string().describe('The size as requested (an OpenAI size auto as its class).'),
  number_of_images: count,
  images_delivered: count,
  credits_reserved: count,
  credits_charged: count,
  status: z.enum(['pending', 'succeeded', 'partial', 'failed']),
  error_code: z.string().nullable(),
  duration_ms: count.nullable(),
  created_at: time,
  finished_at: time.nullable(),
  user: z
    .string()
    .max(MAX_END_USER_CHARS)
    .nullable()
    .describe("The end user the request named (OpenAI's `user`), else null."),
  images: z.array(
    z.strictObject({
      url: z.string(),
      width: z.int().positive(),
      height: z.int().positive(),
      content_credentials: z.boolean().describe('The file embeds a signed C2PA manifest.'),
      xmp_metadata: z.boolean().describe('Its XMP carries the IPTC digital source type.'),
      digital_source_type: z
        .string()
        .nullable()
        .describe('The type both declare; null when the operator turned provenance off.'),
    }),
  ),
  attempts: z
    .array(
      z.strictObject({
        index: count.describe('Which image of the request (0-based).'),
        provider: z.string().describe('The upstream tried: modelark, fal, replicate or offline.'),
        upstream_model: z.string().describe("That provider's model or endpoint id."),
        outcome: z
          .enum([
            'ok',
            'content_policy',
            'invalid_input',
            'rate_limited',
            'unavailable',
            'timeout',
            'circuit_open',
          ])
          .describe('ok: it made the image; circuit_open: skipped, its route was failing.'),
        latency_ms: count,
        upstream_request_id: z.string().nullable().describe("The upstream's id of the request."),
        estimated_cost_usd: z
          .number()
          .nonnegative()
          .optional()
          .describe(
            "The catalog's estimate of what the upstream charged for this try; only when the operator sets GOODTAKE_SHOW_UPSTREAM_COSTS=true.",
          ),
      }),
    )
    .describe('Every try of an upstream route, in order: fallbacks show here.'),
});

export const generationListSchema = z.strictObject({
  status: z.literal('success'),
  data: z.strictObject({
    generations: z.array(generationSummarySchema),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page.'),
  }),
});
