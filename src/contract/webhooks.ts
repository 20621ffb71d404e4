import { z } from 'zod';

/* The bodies of the webhook routes (secret, deliveries), for the OpenAPI document and tests. */

const time = z.iso.datetime().describe('ISO 8601, UTC.');

export const webhookSecretResponseSchema = z.strictObject({
  status: z.literal('success'),
  data: z.strictObject({
    secret: z.string().describe('whsec_...: verifies webhook-signature (Standard Webhooks).'),
    created_at: time,
    rotated_at: time.nullable(),
    previous_secret: z
      .string()
      .nullable()
      .describe('The secret before the last rotation, while it still signs a second signature.'),
    previous_expires_at: time.nullable(),
  }),
});

export const deliverySchema = z.strictObject({
  id: z.string().describe('Delivery id (dlv_...).'),
  generation_id: z.string(),
  event_id: z.string().describe('The webhook-id of every attempt.'),
  event_type: z.string(),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'gone']),
  attempts: z.array(
    z.strictObject({
      attempt: z.int(),
      at: time,
      status_code: z.int().nullable(),
      latency_ms: z.int(),
      error: z.string().nullable(),
    }),
  ),
  next_attempt_at: time.nullable(),
  created_at: time,
});

export const deliveryListSchema = z.strictObject({
  status: z.literal('success'),
  data: z.strictObject({ deliveries: z.array(deliverySchema) }),
});

export const deliveryResponseSchema = z.strictObject({
  status: z.literal('success'),
  data: deliverySchema,
});
