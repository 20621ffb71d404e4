import { consolePart } from '../console/http/openapi.ts';
import { generationsPart } from './openapi/generations.ts';
import type { DocumentPart } from './openapi/kit.ts';
import { nativePart } from './openapi/native.ts';
import { webhooksPart } from './openapi/webhooks.ts';
import type { ModelDirectory } from './routes/openai/model-directory.ts';
import { openAiPart } from './routes/openai/openapi.ts';

const TAGS = [
  {
    name: 'Images',
    description:
      'The GoodTake Seedream endpoint (text to image, and blend mode with source images) and the stored images it returns.',
  },
  {
    name: 'OpenAI-compatible',
    description:
      'The OpenAI Images API on the same models, credits, limits and records: point an OpenAI client at <server>/v1.',
  },
  {
    name: 'Asynchronous generations',
    description:
      'Submit with `Prefer: respond-async` (202 with the generation id), then follow, stream the events of, or cancel any generation by id. See docs/api.md#asynchronous-generations.',
  },
  { name: 'Account', description: "The calling key's account and its generations." },
  { name: 'Operations', description: 'Health and metrics for operators (no key).' },
  {
    name: 'Console',
    description:
      "The web console's JSON API (session cookie; X-CSRF-Token on every change). A member sees only their own account; an operator any.",
  },
  {
    name: 'Console (operators)',
    description: 'Console calls for operators only: a member is refused with 403.',
  },
];

/**
 * The OpenAPI 3.1 document: every public route, grouped by tag, with schemas generated from
 * the zod schemas that validate requests (so the reference cannot drift from what the server
 * accepts) and error examples rendered by the renderers that answer real errors. Each part of
 * the API contributes its paths and schemas; a test fails when a registered route is missing.
 */
export function buildOpenApiDocument(info: {
  version: string;
  models: ModelDirectory;
}): Record<string, unknown> {
  const parts: DocumentPart[] = [
    nativePart(),
    generationsPart(),
    webhooksPart(),
    openAiPart(info.models),
    consolePart(),
  ];
  const sizesByModel = info.models
    .list()
    .map(
      (m) =>
        `- \`${m.id}\` (${m.name}, ${m.pricePerImage} credits per image): ${m.sizes.join(', ')}`,
    )
    .join('\n');
  return {
    openapi: '3.1.0',
    info: {
      title: 'goodtake API',
      version: info.version,
      description:
        'A self-hostable implementation of the GoodTake Seedream image-generation API, with an OpenAI-compatible Images API on the same models.\n\n' +
        `Models and the sizes the native endpoint accepts:\n${sizesByModel}`,
    },
    servers: [{ url: '/' }],
    tags: TAGS,
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer gt_...' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'gt_session',
          description:
            'The console session (`__Host-gt_session` over HTTPS), set by POST /console/api/session.',
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'GOODTAKE_METRICS_TOKEN, for Prometheus scrapes of /metrics.',
        },
      },
      schemas: Object.assign({}, ...parts.map((p) => p.schemas)),
    },
    paths: Object.assign({}, ...parts.map((p) => p.paths)),
  };
}
