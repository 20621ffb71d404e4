import { z } from 'zod';
import { generateImageResponseSchema } from './generate-image.ts';

/*
 * The bodies of the asynchronous API: the 202 of a submit (`Prefer: respond-async`), the state
 * of a generation (`GET /api/v1/generations/{id}`, a cancel's answer) and its events. They
 * document the routes (OpenAPI) and the tests parse real answers with them.
 */

const time = z.iso.datetime().describe('ISO 8601, UTC.');
const links = {
  status_url: z.string().describe('GET: the state of the generation.'),
  events_url: z.string().describe('GET: its events as Server-Sent Events.'),
  cancel_url: z.string().describe('POST: cancels it.'),
};
const imageSchema = z.strictObject({
  url: z.string(),
  width: z.int(),
  height: z.int(),
  base64: z.string().optional(),
});

export const submitResponseSchema = z.strictObject({
  status: z.literal('queued'),
  data: z.strictObject({ id: z.string().describe('Generation id (gen_...).'), ...links }),
});

const common = { id: z.string(), created_at: time, ...links };

export const generationStateSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('queued'),
    data: z.strictObject({
      ...common,
      position: z
        .int()
        .nonnegative()
        .describe('Queued generations expected to start before this one (accounts take turns).'),
    }),
  }),
  z.strictObject({
    status: z.literal('running'),
    data: z.strictObject({
      ...common,
      started_at: time.nullable(),
      number_of_images: z.int(),
      images: z.array(imageSchema).describe('The images stored so far.'),
    }),
  }),
  z.strictObject({
    status: z.literal('succeeded'),
    data: generateImageResponseSchema.shape.data.describe(
      "Exactly the `data` object of the seed's 200 answer.",
    ),
  }),
  z.strictObject({
    status: z.literal('failed'),
    data: z.strictObject({ ...common, finished_at: time.nullable() }),
    error: z.strictObject({
      code: z.string(),
      message: z.string(),
      request_id: z.string(),
      retry_after: z.int().optional(),
    }),
  }),
  z.strictObject({
    status: z.literal('canceled'),
    data: z.strictObject({
      ...common,
      finished_at: time.nullable(),
      images: z.array(imageSchema).describe('The images delivered before the cancel (charged).'),
      credits_used: z.int(),
    }),
  }),
]);

export type GenerationState = z.infer<typeof generationStateSchema>;
