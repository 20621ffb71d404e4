import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImageRequestSchema } from '../../src/contract/generate-image.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('API reference', () => {
  it('serves an OpenAPI 3.1 document generated from the validating schema', async () => {
    const res = await t.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const request = doc.components.schemas.GenerateImageRequest;
    expect(Object.keys(request.properties).sort()).toEqual(
      Object.keys(generateImageRequestSchema.shape).sort(),
    );
    expect(request.required).toEqual(['prompt']);
    expect(request.additionalProperties).toBe(false);
    expect(request.properties.model.default).toBe('seedream-4-5-251128');
    expect(request.properties.number_of_images).toMatchObject({
      minimum: 1,
      maximum: 4,
      default: 1,
    });
    expect(doc.paths['/api/v1/bytedance/generate-image'].post.responses['429']).toBeDefined();
  });

  it('renders a reference page whose assets are served locally', async () => {
    const page = await t.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("url: '/openapi.json'");
    for (const asset of html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)) {
      const res = await t.request(asset[1]!);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await t.request('/docs/assets/package.json')).status).toBe(404);
  });

  it('answers /healthz', async () => {
    const res = await t.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', provider: 'offline' });
  });
});
