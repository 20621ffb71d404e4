import { z } from 'zod';
import {
  generateImageRequestSchema,
  generateImageResponseSchema,
} from '../contract/generate-image.ts';
import { MODEL_IDS } from '../contract/models.ts';
import { validSizes } from '../contract/sizes.ts';
import { STATUS_OF } from './errors.ts';

const errorSchema = z.object({
  status: z.literal('error'),
  error: z.object({
    code: z.enum(Object.keys(STATUS_OF) as [keyof typeof STATUS_OF, ...(keyof typeof STATUS_OF)[]]),
    message: z.string(),
    request_id: z.string(),
    field: z.string().optional().describe('The request field at fault (invalid_parameters).'),
    retry_after: z.int().optional().describe('Seconds until a retry may pass (429, 503).'),
  }),
});

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests,
 * so the reference cannot drift from what the server accepts.
 */
export function buildOpenApiDocument(info: { version: string }): Record<string, unknown> {
  const sizesByModel = MODEL_IDS.map((m) => `- \`${m}\`: ${validSizes(m).join(', ')}`).join('\n');
  return {
    openapi: '3.1.0',
    info: {
      title: 'goodtake API',
      version: info.version,
      description:
        'A self-hostable implementation of the GoodTake Seedream image-generation API.\n\n' +
        `Valid sizes per model:\n${sizesByModel}`,
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer gt_...' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        GenerateImageRequest: jsonSchema(generateImageRequestSchema, 'input'),
        GenerateImageResponse: jsonSchema(generateImageResponseSchema),
        Error: jsonSchema(errorSchema),
      },
    },
    paths: {
      '/api/v1/bytedance/generate-image': {
        post: {
          operationId: 'generateImage',
          summary: 'Generate images with Seedream (blend mode when image_urls is non-empty)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
              description: 'Replays the first response for the same key and body within 24 h.',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/GenerateImageRequest' } },
            },
          },
          responses: {
            '200': {
              description: 'Images generated',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/GenerateImageResponse' },
                },
              },
            },
            '400': errorResponse(
              'invalid_parameters, invalid_json, invalid_image or content_policy_violation',
            ),
            '401': errorResponse('unauthorized'),
            '403': errorResponse('insufficient_credits'),
            '408': errorResponse(
              'request_timeout: the body stalled (no byte for GOODTAKE_BODY_IDLE_TIMEOUT_MS) or took longer than GOODTAKE_BODY_TIMEOUT_MS',
            ),
            '409': errorResponse('idempotency_conflict'),
            '413': errorResponse(
              'payload_too_large: over 64 KiB of JSON besides the image_urls entries, or over GOODTAKE_BODY_LIMIT_BYTES in all',
            ),
            '415': errorResponse(
              'unsupported_media_type: not JSON, or a Transfer-Encoding other than chunked, or a Content-Encoding other than identity',
            ),
            '429': errorResponse('rate_limit_exceeded'),
            '500': errorResponse('internal_error'),
            '502': errorResponse('upstream_error'),
            '503': errorResponse('service_unavailable'),
            '504': errorResponse('upstream_timeout'),
          },
        },
      },
      '/images/{file}': {
        get: {
          operationId: 'getImage',
          summary: 'A stored image (immutable; strong ETag)',
          security: [],
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The image bytes',
              content: { 'image/jpeg': {}, 'image/png': {}, 'image/webp': {} },
            },
            '304': { description: 'Not modified' },
            '404': errorResponse('not_found'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness and database check',
          security: [],
          responses: { '200': { description: 'Serving' }, '503': { description: 'Not serving' } },
        },
      },
    },
  };
}
