import { z } from 'zod';
import { accountResponseSchema, generationListSchema } from '../../contract/account.ts';
import {
  generateImageRequestSchema,
  generateImageResponseSchema,
} from '../../contract/generate-image.ts';
import { modelListSchema } from '../../contract/model-list.ts';
import { ApiError, renderError, STATUS_OF } from '../errors.ts';
import { SUBMIT_EXAMPLE } from './generations.ts';
import {
  BODY_NOTES,
  type DocumentPart,
  errorResponses,
  examplesOf,
  type Fragment,
  IDEMPOTENCY_KEY,
  RATE_HEADERS,
  ref,
  schemaOf,
} from './kit.ts';
import {
  ACCOUNT_EXAMPLE,
  GENERATE_EXAMPLES,
  GENERATE_RESPONSE,
  GENERATIONS_EXAMPLE,
  MODELS_EXAMPLE,
} from './native-examples.ts';

/** The native API's paths: the seed's endpoint, the caller's account, images and operations. */

const errorSchema = z.object({
  status: z.literal('error'),
  error: z.object({
    code: z.enum(Object.keys(STATUS_OF) as [keyof typeof STATUS_OF, ...(keyof typeof STATUS_OF)[]]),
    message: z.string(),
    request_id: z.string(),
    field: z.string().optional().describe('The request field at fault (invalid_parameters).'),
    retry_after: z.int().optional().describe('Seconds until a retry may pass (429, 503).'),
    state: z
      .string()
      .optional()
      .describe('The state of the generation that could not be changed (generation_finished).'),
  }),
});

const errors = (...codes: Parameters<typeof examplesOf>) =>
  errorResponses(renderError, examplesOf(...codes), 'Error', BODY_NOTES);

const json = (schema: string, example: unknown, headers?: Record<string, Fragment>) => ({
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema), example } },
});

const query = (name: string, schema: Fragment, description: string, example: unknown) => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
  example,
});

export function nativePart(): DocumentPart {
  return {
    schemas: {
      GenerateImageRequest: schemaOf(generateImageRequestSchema, 'input'),
      GenerateImageResponse: schemaOf(generateImageResponseSchema),
      Account: schemaOf(accountResponseSchema),
      ModelList: schemaOf(modelListSchema),
      GenerationList: schemaOf(generationListSchema),
      Error: schemaOf(errorSchema),
    },
    paths: {
      '/api/v1/bytedance/generate-image': {
        post: {
          operationId: 'generateImage',
          tags: ['Images'],
          summary: 'Generate images with Seedream (blend mode when image_urls is non-empty)',
          description:
            'Answers with the images (200) once they are stored. With `Prefer: respond-async` it answers at once with 202 and the generation id instead; the credits are reserved then, and the generation runs on a worker (follow it at `/api/v1/generations/{id}`).',
          parameters: [
            IDEMPOTENCY_KEY,
            {
              name: 'Prefer',
              in: 'header',
              required: false,
              schema: { type: 'string' },
              example: 'respond-async',
              description:
                '`respond-async` (RFC 7240): queue the generation and answer 202 at once. A retry with the same Idempotency-Key gets the same generation.',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('GenerateImageRequest'),
                examples: GENERATE_EXAMPLES,
              },
            },
          },
          responses: {
            '200': {
              description: 'Images generated and stored',
              ...json('GenerateImageResponse', GENERATE_RESPONSE, RATE_HEADERS),
            },
            '202': {
              description:
                "Queued (`Prefer: respond-async`); `Location` is the generation's status URL",
              ...json('GenerationSubmitted', SUBMIT_EXAMPLE, {
                ...RATE_HEADERS,
                Location: { description: 'The status URL.', schema: { type: 'string' } },
                'Preference-Applied': {
                  description: 'respond-async',
                  schema: { type: 'string', enum: ['respond-async'] },
                },
              }),
            },
            ...errors(
              'invalid_parameters',
              'invalid_json',
              'invalid_image',
              'content_policy_violation',
              'unauthorized',
              'insufficient_credits',
              'request_timeout',
              'idempotency_conflict',
              'payload_too_large',
              'unsupported_media_type',
              'rate_limit_exceeded',
              'internal_error',
              'upstream_error',
              'service_unavailable',
              'upstream_timeout',
            ),
          },
        },
      },
      '/api/v1/models': {
        get: {
          operationId: 'listModels',
          tags: ['Account'],
          summary:
            'The models this server serves: price per image, sizes, capabilities, and whether they can be served now',
          responses: {
            '200': {
              description: 'The models, the default first unless the catalog orders otherwise',
              ...json('ModelList', MODELS_EXAMPLE, RATE_HEADERS),
            },
            ...errors('unauthorized', 'rate_limit_exceeded'),
          },
        },
      },
      '/api/v1/account': {
        get: {
          operationId: 'getAccount',
          tags: ['Account'],
          summary: "The calling key's account: balance, limits and prices",
          responses: {
            '200': {
              description: 'The account',
              ...json('Account', ACCOUNT_EXAMPLE, RATE_HEADERS),
            },
            ...errors('unauthorized', 'rate_limit_exceeded'),
          },
        },
      },
      '/api/v1/generations': {
        get: {
          operationId: 'listGenerations',
          tags: ['Account'],
          summary: "The account's generations, newest first",
          parameters: [
            query(
              'limit',
              { type: 'integer', minimum: 1, maximum: 100, default: 20 },
              'Page size.',
              20,
            ),
            query(
              'cursor',
              { type: 'string' },
              'next_cursor of the previous page.',
              GENERATIONS_EXAMPLE.data.next_cursor,
            ),
            query(
              'since',
              { type: 'string', format: 'date-time' },
              'Only generations created at or after this time.',
              '2026-11-01T00:00:00Z',
            ),
            query(
              'user',
              { type: 'string', minLength: 1, maxLength: 256 },
              "Only generations made for this end user (OpenAI's `user`).",
              'customer-42',
            ),
          ],
          responses: {
            '200': {
              description: 'One page of generations',
              ...json('GenerationList', GENERATIONS_EXAMPLE, RATE_HEADERS),
            },
            ...errorResponses(
              renderError,
              [
                new ApiError('invalid_parameters', 'limit must be an integer between 1 and 100', {
                  field: 'limit',
                }),
                ...examplesOf('unauthorized', 'rate_limit_exceeded'),
              ],
              'Error',
            ),
          },
        },
      },
      '/images/{file}': {
        get: {
          operationId: 'getImage',
          tags: ['Images'],
          summary:
            'A stored image: immutable, with a strong ETag (no key needed; ids are unguessable)',
          security: [],
          parameters: [
            {
              name: 'file',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[A-Za-z0-9]{24}\\.(jpg|png|webp)$' },
              example: '3pGzX0c1pQ9m2Yv8LrTq5Wb7.jpg',
            },
            {
              name: 'If-None-Match',
              in: 'header',
              required: false,
              schema: { type: 'string' },
              example: '"q1Xb0m3RkT7yJ9a2WcV5nP8sL4hG6dF0eZ1uY3iO5tA"',
            },
          ],
          responses: {
            '200': {
              description: 'The image bytes, with their true Content-Type',
              headers: {
                ETag: { description: 'The SHA-256 of the content.', schema: { type: 'string' } },
                'Cache-Control': {
                  description: 'public, max-age=31536000, immutable',
                  schema: { type: 'string' },
                },
              },
              content: {
                'image/jpeg': { schema: { type: 'string', format: 'binary' } },
                'image/png': { schema: { type: 'string', format: 'binary' } },
                'image/webp': { schema: { type: 'string', format: 'binary' } },
              },
            },
            '304': { description: 'Not modified (If-None-Match matched the ETag)' },
            ...errors('not_found'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          tags: ['Operations'],
          summary: 'Liveness and database check',
          security: [],
          responses: {
            '200': {
              description: 'Serving',
              content: {
                'application/json': {
                  example: { status: 'ok', database: 'ok', provider: 'modelark' },
                },
              },
            },
            '503': {
              description: 'Shutting down, or the database does not answer',
              content: {
                'application/json': {
                  examples: {
                    shutting_down: { value: { status: 'shutting_down' } },
                    degraded: { value: { status: 'degraded', database: 'unreachable' } },
                  },
                },
              },
            },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['Operations'],
          summary: 'Prometheus metrics (text exposition format)',
          description:
            'For an operator console session or the scrape token (`Authorization: Bearer $GOODTAKE_METRICS_TOKEN`). With GOODTAKE_METRICS_LISTEN set, /metrics is served on that address instead and this port has none.',
          security: [{ metricsToken: [] }, { consoleSession: [] }],
          responses: {
            ...errors('unauthorized'),
            '200': {
              description: 'Metrics',
              content: {
                'text/plain': {
                  schema: { type: 'string' },
                  example:
                    '# HELP goodtake_images_delivered_total Images generated, stored and charged\n# TYPE goodtake_images_delivered_total counter\ngoodtake_images_delivered_total{model="seedream-4-5-251128"} 42\n',
                },
              },
            },
          },
        },
      },
    },
  };
}
