import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { seedCatalog } from '../../src/catalog/build.ts';
import { accountResponseSchema, generationListSchema } from '../../src/contract/account.ts';
import {
  checkGenerateImageRequest,
  generateImageResponseSchema,
} from '../../src/contract/generate-image.ts';
import { catalogModelDirectory } from '../../src/http/routes/openai/model-directory.ts';
import { parseEditJsonBody, parseGenerationBody } from '../../src/http/routes/openai/request.ts';
import {
  imagesResponseSchema,
  modelListSchema,
  modelSchema,
  openAiErrorSchema,
} from '../../src/http/routes/openai/response-schemas.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

// The OpenAPI document against the running app: every registered route is documented, every
// documented operation exists, and examples and real answers match the documented schemas.

let t: TestApp;
let doc: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
  tags: Array<{ name: string }>;
};
beforeAll(async () => {
  t = await createTestApp();
  doc = await (await t.request('/openapi.json')).json();
});
afterAll(() => t.close());

interface Operation {
  tags?: string[];
  summary?: string;
  parameters?: Array<{ name: string; in: string; example?: unknown }>;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
}

interface MediaType {
  schema?: { $ref?: string };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

/*
 * Registered routes that are not API operations, and why. Everything else the app registers
 * must be in the document.
 */
const NOT_API_OPERATIONS = new Set([
  // Middleware that runs for every request (request id, logging, draining).
  'ALL /*',
  // The document itself, and the reference page rendering it with its static assets.
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/assets/:file',
  // The console's pages and their static assets (its JSON API under /console/api is documented).
  'GET /',
  'GET /console',
  'GET /console/',
  'GET /console/assets/:file',
]);

const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)/g, '{$1}');
const samplePath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)/g, 'sample');

function registeredRoutes(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const r of t.application.app.routes) {
    const id = `${r.method} ${r.path}`;
    if (seen.has(id) || NOT_API_OPERATIONS.has(id)) continue;
    seen.add(id);
    routes.push({ method: r.method, path: r.path });
  }
  return routes;
}

function* operations(): Generator<[string, string, Operation]> {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) yield [path, method, op];
  }
}

function* mediaExamples(media: MediaType): Generator<[string, unknown]> {
  if (media.example !== undefined) yield ['example', media.example];
  for (const [name, e] of Object.entries(media.examples ?? {})) yield [name, e.value];
}

describe('OpenAPI completeness', () => {
  it('documents every registered route (a method a path does not take must answer 405)', async () => {
    const missing: string[] = [];
    for (const { method, path } of registeredRoutes()) {
      const item = doc.paths[openApiPath(path)];
      if (item?.[method.toLowerCase()]) continue;
      if (item) {
        // A documented path's other methods are its 405 answers, not operations.
        const res = await t.request(samplePath(path), {
          method,
          headers: { Authorization: `Bearer ${t.key}` },
        });
        if (res.status === 405) continue;
      }
      missing.push(`${method} ${path}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents only routes that exist', () => {
    const registered = new Set(
      t.application.app.routes.map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
    const stale = [...operations()]
      .map(([path, method]) => `${method.toUpperCase()} ${path}`)
      .filter((op) => !registered.has(op));
    expect(stale).toEqual([]);
  });

  it('tags every operation with a declared tag and gives it a summary', () => {
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const [path, method, op] of operations()) {
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect(tags.has(tag), tag).toBe(true);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
    }
  });
});

describe('OpenAPI examples', () => {
  it('has no generated placeholders', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('9007199254740991');
    expect(text).not.toMatch(/"(prompt|model|size)":"string"/);
  });

  it('gives every JSON request body a real example the server accepts', () => {
    const catalog = seedCatalog();
    const models = catalogModelDirectory(catalog);
    const accepts: Record<string, (body: unknown) => boolean> = {
      'POST /api/v1/bytedance/generate-image': (b) => checkGenerateImageRequest(b, catalog).ok,
      'POST /v1/images/generations': (b) => parseGenerationBody(b, models).ok,
      'POST /v1/images/edits': (b) => parseEditJsonBody(b, models).ok,
    };
    for (const [path, method, op] of operations()) {
      const media = op.requestBody?.content['application/json'];
      if (!media) continue;
      // The console's examples are posted to the real API by test/console/api.test.ts.
      if (path.startsWith('/console/api/')) continue;
      const id = `${method.toUpperCase()} ${path}`;
      const examples = [...mediaExamples(media)];
      expect(examples.length, id).toBeGreaterThan(0);
      for (const [name, value] of examples) expect(accepts[id]!(value), `${id} ${name}`).toBe(true);
    }
  });

  it('shows each error response with one example per code, in the schema it names', () => {
    const schemas: Record<string, z.ZodType> = {
      '#/components/schemas/OpenAIError': openAiErrorSchema,
    };
    for (const [path, method, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const media = response.content?.['application/json'];
        // Error answers are in one of the two error shapes (health's 503 is a status body).
        if (path === '/healthz') continue;
        expect(media?.schema?.$ref, `${method} ${path} ${status}`).toMatch(/Error$/);
        const examples = [...mediaExamples(media!)];
        expect(examples.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        const codes = new Set<string>();
        for (const [name, value] of examples) {
          const schema = schemas[media!.schema!.$ref!];
          if (schema) expect(schema.safeParse(value).success, name).toBe(true);
          const body = value as { error: { code: string } };
          codes.add(body.error.code);
        }
        expect(codes.size, `${method} ${path} ${status}: one example per code`).toBe(
          examples.length,
        );
      }
    }
    const native = doc.paths['/api/v1/bytedance/generate-image']!.post!.responses;
    const codes400 = Object.keys(native['400']!.content!['application/json']!.examples!);
    expect(codes400).toEqual([
      'invalid_parameters',
      'invalid_json',
      'invalid_image',
      'content_policy_violation',
    ]);
    const openAi429 = doc.paths['/v1/images/generations']!.post!.responses['429']!;
    expect(Object.keys(openAi429.content!['application/json']!.examples!)).toEqual([
      'rate_limit_exceeded',
      'insufficient_quota',
    ]);
  });

  it('shows success examples that match the response schemas', () => {
    const checks: Array<[string, string, z.ZodType]> = [
      ['/api/v1/bytedance/generate-image', 'post', generateImageResponseSchema],
      ['/api/v1/account', 'get', accountResponseSchema],
      ['/api/v1/generations', 'get', generationListSchema],
      ['/v1/images/generations', 'post', imagesResponseSchema],
      ['/v1/images/edits', 'post', imagesResponseSchema],
      ['/v1/models', 'get', modelListSchema],
      ['/v1/models/{model}', 'get', modelSchema],
    ];
    for (const [path, method, schema] of checks) {
      const media = doc.paths[path]![method]!.responses['200']!.content!['application/json']!;
      for (const [name, value] of mediaExamples(media)) {
        const parsed = schema.safeParse(value);
        expect(parsed.success, `${path} ${name}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });
});

describe('real answers match the documented schemas', () => {
  const auth = () => ({ Authorization: `Bearer ${t.key}` });
  const strictly = (schema: z.ZodType, value: unknown) => {
    const parsed = schema.safeParse(value);
    expect(parsed.success, parsed.error?.message).toBe(true);
  };

  it('native endpoint, account and generations', async () => {
    const res = await t.generate({ prompt: 'A lighthouse', size: '1K' });
    strictly(generateImageResponseSchema, await res.json());
    strictly(
      accountResponseSchema,
      await (await t.request('/api/v1/account', { headers: auth() })).json(),
    );
    strictly(
      generationListSchema,
      await (await t.request('/api/v1/generations', { headers: auth() })).json(),
    );
  });

  it('OpenAI-compatible answers and errors', async () => {
    const post = (body: unknown) =>
      t.request('/v1/images/generations', {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    strictly(
      imagesResponseSchema,
      await (await post({ prompt: 'A lighthouse', size: '1K' })).json(),
    );
    strictly(
      imagesResponseSchema,
      await (
        await post({ prompt: 'A lighthouse', size: '1K', response_format: 'b64_json' })
      ).json(),
    );
    strictly(openAiErrorSchema, await (await post({ prompt: 'A lighthouse', size: '9x9' })).json());
    strictly(modelListSchema, await (await t.request('/v1/models', { headers: auth() })).json());
  });
});
