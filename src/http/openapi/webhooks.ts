import {
  deliveryListSchema,
  deliveryResponseSchema,
  webhookSecretResponseSchema,
} from '../../contract/webhooks.ts';
import { ApiError, renderError } from '../errors.ts';
import {
  type DocumentPart,
  errorResponses,
  examplesOf,
  RATE_HEADERS,
  ref,
  schemaOf,
} from './kit.ts';

/** The webhook routes: the account's signing secret, its deliveries, re-sending one. */

const SECRET = {
  status: 'success',
  data: {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    created_at: '2026-12-01T09:00:00.000Z',
    rotated_at: '2026-12-01T10:00:00.000Z',
    previous_secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    previous_expires_at: '2026-12-02T10:00:00.000Z',
  },
};

export const DELIVERY = {
  id: 'dlv_0mx55sb4b0001Ab3Cd5Ef7',
  generation_id: 'gen_0mx55sb450008XKDQbNYu',
  event_id: 'evt_0mx55sb4a0002Gh8Ij0Kl2',
  event_type: 'completed',
  url: 'https://hooks.example.com/goodtake',
  status: 'delivered',
  attempts: [
    {
      attempt: 1,
      at: '2026-12-01T10:00:42.000Z',
      status_code: 500,
      latency_ms: 84,
      error: 'HTTP 500',
    },
    {
      attempt: 2,
      at: '2026-12-01T10:00:48.000Z',
      status_code: 204,
      latency_ms: 61,
      error: null,
    },
  ],
  next_attempt_at: null,
  created_at: '2026-12-01T10:00:42.000Z',
};

const json = (schema: string, example: unknown) => ({
  headers: RATE_HEADERS,
  content: { 'application/json': { schema: ref(schema), example } },
});

const TAG = ['Asynchronous generations'];

/** What a POST that takes no body answers to one. */
export const NO_BODY = new ApiError('unsupported_media_type', 'This route takes no request body');

export function webhooksPart(): DocumentPart {
  const common = examplesOf('unauthorized', 'rate_limit_exceeded');
  return {
    schemas: {
      WebhookSecret: schemaOf(webhookSecretResponseSchema),
      WebhookDeliveryList: schemaOf(deliveryListSchema),
      WebhookDelivery: schemaOf(deliveryResponseSchema),
    },
    paths: {
      '/api/v1/webhooks/secret': {
        get: {
          operationId: 'getWebhookSecret',
          tags: TAG,
          summary: "The account's webhook signing secret (whsec_..., Standard Webhooks)",
          responses: {
            '200': { description: 'The secret', ...json('WebhookSecret', SECRET) },
            ...errorResponses(renderError, common, 'Error'),
          },
        },
      },
      '/api/v1/webhooks/secret/rotate': {
        post: {
          operationId: 'rotateWebhookSecret',
          tags: TAG,
          summary:
            'A new signing secret; the previous one keeps signing (a second signature) for GOODTAKE_WEBHOOK_ROTATION_GRACE_HOURS',
          responses: {
            '200': { description: 'The new secret', ...json('WebhookSecret', SECRET) },
            ...errorResponses(renderError, [...common, NO_BODY], 'Error'),
          },
        },
      },
      '/api/v1/webhooks/deliveries': {
        get: {
          operationId: 'listWebhookDeliveries',
          tags: TAG,
          summary: "The account's webhook deliveries (newest 100), with every attempt",
          parameters: [
            {
              name: 'generation_id',
              in: 'query',
              required: false,
              schema: { type: 'string' },
              description: "Only this generation's deliveries.",
              example: DELIVERY.generation_id,
            },
          ],
          responses: {
            '200': {
              description: 'Deliveries',
              ...json('WebhookDeliveryList', {
                status: 'success',
                data: { deliveries: [DELIVERY] },
              }),
            },
            ...errorResponses(
              renderError,
              [
                new ApiError(
                  'invalid_parameters',
                  'generation_id must be a generation id (gen_...)',
                  {
                    field: 'generation_id',
                  },
                ),
                ...common,
              ],
              'Error',
            ),
          },
        },
      },
      '/api/v1/webhooks/deliveries/{id}/resend': {
        post: {
          operationId: 'resendWebhookDelivery',
          tags: TAG,
          summary: 'Send a delivery again now, with the same webhook-id',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: { type: 'string' },
              example: DELIVERY.id,
            },
          ],
          responses: {
            '200': {
              description: 'The delivery, pending again (or already delivered)',
              ...json('WebhookDelivery', { status: 'success', data: DELIVERY }),
            },
            ...errorResponses(
              renderError,
              [...common, new ApiError('not_found', 'No such delivery'), NO_BODY],
              'Error',
            ),
          },
        },
      },
    },
  };
}
