import { ApiError } from '../../errors.ts';
import {
  BODY_NOTES,
  type DocumentPart,
  EXAMPLE_ERRORS,
  errorResponses,
  type Fragment,
  IDEMPOTENCY_KEY,
  RATE_HEADERS,
  ref,
  schemaOf,
} from '../../openapi/kit.ts';
import { renderOpenAiError } from './errors.ts';
import { OPENAI_PATHS } from './index.ts';
import type { ModelDirectory } from './model-directory.ts';
import {
  imageStreamEventSchema,
  imagesResponseSchema,
  modelListSchema,
  modelSchema,
  openAiErrorSchema,
} from './response-schemas.ts';
import { imageEditFormSchema, imageEditJsonSchema, imageGenerationSchema } from './schemas.ts';
import { openAiSizes } from './sizes.ts';

/** The OpenAI-compatible routes in the OpenAPI document. */

const invalid = (field: string | undefined, reason: string, message: string) =>
  new ApiError('invalid_parameters', message, { ...(field ? { field } : {}), reason });

const COMMON_ERRORS = [
  invalid(
    'model',
    'model_not_found',
    "model 'dall-e-3' is an OpenAI model; this server generates with: seedream-4-5-251128, seedream-4-0-250828",
  ),
  invalid(
    'size',
    'invalid_value',
    "size '1792x1024' is not supported by seedream-4-5-251128. Valid sizes: auto, 1024x1024, 1536x1024, 1024x1536, 1K, 2K, 4K, 2048x2048, 2304x1728, 1728x2304, 2560x1440, 1440x2560, 2496x1664, 1664x2496, 3024x1296",
  ),
  invalid('seed', 'unknown_parameter', "Unknown parameter: 'seed'"),
  EXAMPLE_ERRORS.invalid_json,
  EXAMPLE_ERRORS.content_policy_violation,
  EXAMPLE_ERRORS.unauthorized,
  EXAMPLE_ERRORS.request_timeout,
  EXAMPLE_ERRORS.idempotency_conflict,
  EXAMPLE_ERRORS.payload_too_large,
  EXAMPLE_ERRORS.unsupported_media_type,
  EXAMPLE_ERRORS.rate_limit_exceeded,
  EXAMPLE_ERRORS.insufficient_credits,
  EXAMPLE_ERRORS.internal_error,
  EXAMPLE_ERRORS.upstream_error,
  EXAMPLE_ERRORS.service_unavailable,
  EXAMPLE_ERRORS.upstream_timeout,
];

const EDIT_ERRORS = [
  invalid(
    'mask',
    'unsupported_parameter',
    'mask is not supported: the models edit the whole image from the prompt and take no inpainting mask',
  ),
  new ApiError('invalid_image', 'image[1]: not a PNG, JPEG or WebP image', { field: 'image' }),
  new ApiError('invalid_image', 'image[0]: the image is larger than 10 MB', {
    field: 'image',
    reason: 'image_too_large',
  }),
  ...COMMON_ERRORS,
];

const openAiErrors = (errors: readonly ApiError[]) =>
  errorResponses(renderOpenAiError, errors, 'OpenAIError', BODY_NOTES);

const URL_EXAMPLE = 'https://goodtake.example.com/images/3pGzX0c1pQ9m2Yv8LrTq5Wb7.jpg';

const IMAGES_RESPONSE = {
  created: 1795430400,
  data: [
    { url: URL_EXAMPLE },
    { url: 'https://goodtake.example.com/images/Vb8Qm2nK4pX7cL1tR9sW3yZ5.jpg' },
  ],
  background: 'opaque',
  output_format: 'jpeg',
  quality: 'auto',
  size: '1536x1024',
  usage: {
    input_tokens: 0,
    input_tokens_details: { image_tokens: 0, text_tokens: 0 },
    output_tokens: 12288,
    total_tokens: 12288,
  },
};

const STREAM_EXAMPLE = `event: image_generation.completed
data: {"type":"image_generation.completed","b64_json":"/9j/4AAQSkZJRgABAQAAAQABAAD...","created_at":1795430403,"background":"opaque","output_format":"jpeg","quality":"auto","size":"1024x1024","usage":{"input_tokens":0,"input_tokens_details":{"image_tokens":0,"text_tokens":0},"output_tokens":4096,"total_tokens":4096},"url":"${URL_EXAMPLE}"}

`;

const RESULT_HEADERS: Record<string, Fragment> = {
  ...RATE_HEADERS,
  'X-Generation-Id': {
    description: 'The generation (see GET /api/v1/generations).',
    schema: { type: 'string' },
  },
  'X-Credits-Used': {
    description: 'Credits charged for the delivered images.',
    schema: { type: 'integer' },
  },
};

function imagesAnswer(description: string): Fragment {
  return {
    description,
    headers: RESULT_HEADERS,
    content: {
      'application/json': { schema: ref('ImagesResponse'), example: IMAGES_RESPONSE },
      'text/event-stream': {
        schema: ref('ImageStreamEvent'),
        example: STREAM_EXAMPLE,
        description: 'With stream: true, one completed event per image as it is stored.',
      },
    },
  };
}

const imageFile = { type: 'string', format: 'binary', contentMediaType: 'image/png' };

export function openAiPart(models: ModelDirectory): DocumentPart {
  const sizeLines = models
    .list()
    .map((m) => `- \`${m.id}\`: ${openAiSizes(m).join(', ')}`)
    .join('\n');
  const form = schemaOf(imageEditFormSchema, 'input');
  const formProperties = (form.properties ?? {}) as Record<string, unknown>;
  return {
    schemas: {
      ImageGenerationRequest: schemaOf(imageGenerationSchema, 'input'),
      ImageEditRequest: schemaOf(imageEditJsonSchema, 'input'),
      ImageEditForm: {
        ...form,
        properties: {
          image: {
            description:
              'One file, or several as repeated `image` or `image[]` parts (at most 10).',
            oneOf: [imageFile, { type: 'array', items: imageFile, maxItems: 10 }],
          },
          ...formProperties,
          mask: { ...imageFile, description: 'Not supported: refused with 400.' },
        },
        required: ['image', 'prompt'],
      },
      ImagesResponse: schemaOf(imagesResponseSchema),
      ImageStreamEvent: schemaOf(imageStreamEventSchema),
      OpenAIError: schemaOf(openAiErrorSchema),
      Model: schemaOf(modelSchema),
      ModelList: schemaOf(modelListSchema),
    },
    paths: {
      [OPENAI_PATHS.generations]: {
        post: {
          operationId: 'openaiCreateImage',
          tags: ['OpenAI-compatible'],
          summary: 'Create images (OpenAI Images API)',
          description: `Accepted sizes per model:\n${sizeLines}`,
          parameters: [IDEMPOTENCY_KEY],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('ImageGenerationRequest'),
                examples: {
                  'OpenAI defaults': {
                    value: {
                      model: 'seedream-4-5-251128',
                      prompt: 'A cosy reading nook with a cat',
                    },
                  },
                  'Two landscape images as base64': {
                    value: {
                      model: 'seedream-4-0-250828',
                      prompt: 'A lighthouse on a rocky coast at dusk',
                      n: 2,
                      size: '1536x1024',
                      response_format: 'b64_json',
                      output_format: 'webp',
                      output_compression: 80,
                      user: 'customer-42',
                    },
                  },
                  'Streamed, 4K class': {
                    value: {
                      model: 'seedream-4-5-251128',
                      prompt: 'A city skyline at night, long exposure',
                      quality: 'high',
                      stream: true,
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': imagesAnswer('Images generated and stored'),
            ...openAiErrors(COMMON_ERRORS),
          },
        },
      },
      [OPENAI_PATHS.edits]: {
        post: {
          operationId: 'openaiEditImage',
          tags: ['OpenAI-compatible'],
          summary: 'Edit or combine images (OpenAI Images API; goodtake blend mode)',
          description:
            'multipart/form-data with image files, or JSON with images[].image_url (https or data URLs). Sources take the same checks as image_urls.',
          parameters: [IDEMPOTENCY_KEY],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: ref('ImageEditForm'),
                encoding: { image: { contentType: 'image/png, image/jpeg, image/webp' } },
              },
              'application/json': {
                schema: ref('ImageEditRequest'),
                examples: {
                  'Two images by URL': {
                    value: {
                      model: 'seedream-4-5-251128',
                      prompt: 'Put the person from the first photo into the second scene',
                      images: [
                        { image_url: 'https://images.example.com/photos/portrait.jpg' },
                        { image_url: 'https://images.example.com/photos/beach.jpg' },
                      ],
                      size: '1024x1536',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': imagesAnswer('Edited images generated and stored'),
            ...openAiErrors(EDIT_ERRORS),
          },
        },
      },
      [OPENAI_PATHS.models]: {
        get: {
          operationId: 'openaiListModels',
          tags: ['OpenAI-compatible'],
          summary: "goodtake's models in OpenAI's list shape",
          responses: {
            '200': {
              description: 'The models',
              content: {
                'application/json': {
                  schema: ref('ModelList'),
                  example: {
                    object: 'list',
                    data: models.list().map((m) => ({
                      id: m.id,
                      object: 'model',
                      created: m.created,
                      owned_by: m.ownedBy,
                    })),
                  },
                },
              },
            },
            ...openAiErrors([EXAMPLE_ERRORS.unauthorized, EXAMPLE_ERRORS.rate_limit_exceeded]),
          },
        },
      },
      '/v1/models/{model}': {
        get: {
          operationId: 'openaiRetrieveModel',
          tags: ['OpenAI-compatible'],
          summary: 'One model',
          parameters: [
            {
              name: 'model',
              in: 'path',
              required: true,
              schema: { type: 'string' },
              example: models.defaultModel,
            },
          ],
          responses: {
            '200': {
              description: 'The model',
              content: {
                'application/json': {
                  schema: ref('Model'),
                  example: {
                    id: models.defaultModel,
                    object: 'model',
                    created: models.find(models.defaultModel)?.created ?? 0,
                    owned_by: 'bytedance',
                  },
                },
              },
            },
            ...openAiErrors([
              new ApiError('not_found', "The model 'dall-e-3' does not exist", {
                field: 'model',
                reason: 'model_not_found',
              }),
              EXAMPLE_ERRORS.unauthorized,
            ]),
          },
        },
      },
    },
  };
}
