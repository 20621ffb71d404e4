import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { fetchImage, type ImagesResponse, openAiErrorOf, pixelsOf, postJson } from './helpers.ts';

// POST /v1/images/generations over raw HTTP: OpenAI's shapes, the field mapping, and that it
// is the same use case as the native endpoint (credits, ledger, records, idempotency).

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PATH = '/v1/images/generations';
const generate = (body: unknown, headers?: Record<string, string>) =>
  postJson(t, PATH, body, headers);

async function ok(res: Response): Promise<ImagesResponse> {
  if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as ImagesResponse;
}

const balance = async () => (await t.application.core.ledger.balance(t.accountId))!;

describe('POST /v1/images/generations', () => {
  it('answers a prompt alone in OpenAI shape with a permanent URL, charged like the native endpoint', async () => {
    const before = await balance();
    const res = await generate({ prompt: 'A beautiful sunset over mountains' });
    const body = await ok(res);
    expect(Object.keys(body).sort()).toEqual(
      ['background', 'created', 'data', 'output_format', 'quality', 'size', 'usage'].sort(),
    );
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
    expect(body.data).toHaveLength(1);
    expect(Object.keys(body.data[0]!)).toEqual(['url']);
    // size auto, quality auto: the model's default 2K, square for a prompt without shape words.
    expect(body).toMatchObject({ size: '2048x2048', quality: 'medium', output_format: 'jpeg' });
    expect(body.usage).toEqual({
      input_tokens: 0,
      input_tokens_details: { image_tokens: 0, text_tokens: 0 },
      output_tokens: (2048 * 2048) / 256,
      total_tokens: (2048 * 2048) / 256,
    });
    expect(res.headers.get('x-credits-used')).toBe('4');
    expect(res.headers.get('x-generation-id')).toMatch(/^gen_/);
    const { res: img, bytes } = await fetchImage(t, body.data[0]!.url!);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(bytes).metadata()).width).toBe(2048);
    expect((await balance()).balance).toBe(before.balance - 4);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('returns n=2 images as b64_json, the same bytes as the stored files', async () => {
    const res = await generate({
      prompt: 'Two red foxes in the snow',
      model: 'seedream-4-0-250828',
      n: 2,
      size: '1024x1024',
      response_format: 'b64_json',
    });
    const body = await ok(res);
    expect(body.data).toHaveLength(2);
    expect(res.headers.get('x-credits-used')).toBe('6');
    const listed = await t.request('/api/v1/generations?limit=1', {
      headers: { Authorization: `Bearer ${t.key}` },
    });
    const generation = (await listed.json()).data.generations[0];
    expect(generation.id).toBe(res.headers.get('x-generation-id'));
    expect(generation).toMatchObject({
      number_of_images: 2,
      images_delivered: 2,
      size: '1024x1024',
    });
    for (const [i, item] of body.data.entries()) {
      expect(Object.keys(item)).toEqual(['b64_json']);
      const bytes = Buffer.from(item.b64_json!, 'base64');
      const stored = await fetchImage(t, generation.images[i].url);
      expect(stored.bytes.equals(bytes)).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 1024]);
    }
  });

  it.each([
    ['seedream-4-5-251128', '1024x1024', 1024, 1024],
    ['seedream-4-5-251128', '1536x1024', 1536, 1024],
    ['seedream-4-5-251128', '1024x1536', 1024, 1536],
    ['seedream-4-0-250828', '1536x1024', 1536, 1024],
    ['seedream-4-0-250828', '1024x1536', 1024, 1536],
    ['seedream-4-5-251128', '2560x1440', 2560, 1440],
    ['seedream-4-0-250828', '768x1024', 768, 1024],
  ])('delivers %s at size %s exactly', async (model, size, w, h) => {
    const body = await ok(
      await generate({ prompt: 'a lighthouse', model, size, response_format: 'b64_json' }),
    );
    expect(body.size).toBe(size);
    const meta = await sharp(Buffer.from(body.data[0]!.b64_json!, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([w, h]);
  });

  it('refuses sizes no model delivers, listing the valid ones', async () => {
    for (const size of ['1792x1024', '256x256', '1024X1024', '']) {
      const res = await generate({ prompt: 'a lighthouse', size });
      expect(res.status).toBe(400);
      const err = await openAiErrorOf(res);
      expect(err).toMatchObject({
        type: 'invalid_request_error',
        param: 'size',
        code: 'invalid_value',
      });
      expect(err.message).toContain(
        'Valid sizes: auto, 1024x1024, 1536x1024, 1024x1536, 1K, 2K, 4K, 2048x2048',
      );
    }
  });

  it('lets quality pick the resolution class of size auto', async () => {
    const low = await ok(await generate({ prompt: 'a lighthouse', quality: 'low' }));
    expect([low.size, low.quality]).toEqual(['1024x1024', 'low']);
    const standard = await ok(
      await generate({ prompt: 'a lighthouse', quality: 'standard', size: 'auto' }),
    );
    expect([standard.size, standard.quality]).toEqual(['2048x2048', 'medium']);
    const high = await ok(
      await generate({ prompt: 'a lighthouse', quality: 'hd', model: 'seedream-4-0-250828' }),
    );
    expect([high.size, high.quality]).toEqual(['4096x4096', 'high']);
  });

  it('refuses a quality that would be ignored with a fixed size, and accepts the neutral ones', async () => {
    const res = await generate({ prompt: 'a lighthouse', size: '1024x1024', quality: 'high' });
    expect(res.status).toBe(400);
    const err = await openAiErrorOf(res);
    expect(err).toMatchObject({ param: 'quality', code: 'invalid_value' });
    expect(err.message).toContain("applies only with size 'auto'");
    for (const quality of ['auto', 'standard']) {
      const body = await ok(await generate({ prompt: 'a lighthouse', size: '1024x1024', quality }));
      expect([body.size, body.quality]).toEqual(['1024x1024', 'auto']);
    }
  });

  it('converts to output_format before storing: file, URL, base64 and ETag are the same bytes', async () => {
    for (const format of ['png', 'webp', 'jpeg'] as const) {
      const res = await generate({
        prompt: 'a lighthouse at night',
        size: '1024x1024',
        output_format: format,
        ...(format === 'png' ? {} : { output_compression: 60 }),
        response_format: 'b64_json',
      });
      const body = await ok(res);
      expect(body.output_format).toBe(format);
      const bytes = Buffer.from(body.data[0]!.b64_json!, 'base64');
      expect((await sharp(bytes).metadata()).format).toBe(format);
      const generation = (
        await (
          await t.request('/api/v1/generations?limit=1', {
            headers: { Authorization: `Bearer ${t.key}` },
          })
        ).json()
      ).data.generations[0];
      const url: string = generation.images[0].url;
      expect(url.endsWith(format === 'jpeg' ? '.jpg' : `.${format}`)).toBe(true);
      const stored = await fetchImage(t, url);
      expect(stored.res.headers.get('content-type')).toBe(`image/${format}`);
      expect(stored.bytes.equals(bytes)).toBe(true);
      const etag = `"${createHash('sha256').update(bytes).digest('base64url')}"`;
      expect(stored.res.headers.get('etag')).toBe(etag);
    }
  });

  it('refuses output_compression without a lossy output_format', async () => {
    for (const body of [
      { prompt: 'a lighthouse', output_compression: 50 },
      { prompt: 'a lighthouse', output_compression: 50, output_format: 'png' },
    ]) {
      const err = await openAiErrorOf(await generate(body));
      expect(err.param).toBe('output_compression');
    }
  });

  it.each([
    [{ n: 5 }, 'n', 'invalid_value', 'n must be an integer between 1 and 4'],
    [{ n: 1.5 }, 'n', 'invalid_value', 'n must be an integer between 1 and 4'],
    [{ n: '2' }, 'n', 'invalid_type', 'n must be an integer between 1 and 4'],
    [{ response_format: 'png' }, 'response_format', 'invalid_value', "'url', 'b64_json'"],
    [{ output_format: 'gif' }, 'output_format', 'invalid_value', "'jpeg', 'png', 'webp'"],
    [{ background: 'transparent' }, 'background', 'invalid_value', 'transparent backgrounds'],
    [{ moderation: 'low' }, 'moderation', 'invalid_value', 'cannot be lowered'],
    [{ style: 'photographic' }, 'style', 'invalid_value', "'vivid', 'natural'"],
    [{ quality: 'ultra' }, 'quality', 'invalid_value', "'low', 'medium', 'high'"],
    [{ user: '' }, 'user', 'invalid_value', 'user must be 1-256 characters'],
    [{ user: 'u'.repeat(257) }, 'user', 'invalid_value', 'user must be 1-256 characters'],
    [{ partial_images: 2 }, 'partial_images', 'invalid_value', 'send stream: true'],
    [{ partial_images: 4, stream: true }, 'partial_images', 'invalid_value', 'between 0 and 3'],
    [{ stream: 'yes' }, 'stream', 'invalid_type', 'stream must be a boolean'],
    [{ seed: 42 }, 'seed', 'unknown_parameter', "Unknown parameter: 'seed'"],
    [{ model: 'gpt-image-1' }, 'model', 'model_not_found', 'is an OpenAI model'],
    [{ model: 'dall-e-2' }, 'model', 'model_not_found', 'seedream-4-5-251128, seedream-4-0-250828'],
    [{ model: 'sdxl' }, 'model', 'model_not_found', "model 'sdxl' is not available"],
  ])('refuses %j naming param %s (%s)', async (extra, param, code, message) => {
    const res = await generate({ prompt: 'a lighthouse', ...extra });
    expect(res.status).toBe(400);
    const err = await openAiErrorOf(res);
    expect(err).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(err.message).toContain(message);
  });

  it('refuses a missing, empty or over-long prompt', async () => {
    const missing = await openAiErrorOf(await generate({ n: 1 }));
    expect(missing).toMatchObject({ param: 'prompt', code: 'missing_required_parameter' });
    expect((await openAiErrorOf(await generate({ prompt: '  ' }))).message).toBe(
      'prompt must not be empty',
    );
    const long = await openAiErrorOf(await generate({ prompt: 'x'.repeat(4001) }));
    expect(long).toMatchObject({ param: 'prompt', code: 'invalid_value' });
  });

  it('treats null like an absent optional field, as OpenAI does', async () => {
    const body = await ok(
      await generate({
        prompt: 'a lighthouse',
        model: null,
        n: null,
        size: null,
        quality: null,
        style: null,
        user: null,
        response_format: null,
      }),
    );
    expect(body.data).toHaveLength(1);
  });

  it('answers bodies that are not JSON objects in OpenAI shape', async () => {
    const bad = await generate('{"prompt":');
    expect(bad.status).toBe(400);
    expect(await openAiErrorOf(bad)).toMatchObject({ code: 'invalid_json', param: null });
    const array = await generate([1]);
    expect(await openAiErrorOf(array)).toMatchObject({ code: 'invalid_type', param: null });
    const form = await t.request(PATH, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.key}`, 'Content-Type': 'text/plain' },
      body: 'a lighthouse',
    });
    expect(form.status).toBe(415);
    expect((await openAiErrorOf(form)).code).toBe('unsupported_media_type');
  });

  it('maps style onto goodtake prompt modes and keeps it out of the refusals', async () => {
    for (const style of ['vivid', 'natural']) {
      expect((await generate({ prompt: 'a lighthouse', style, size: '1K' })).status).toBe(200);
    }
  });

  it('keeps user as the end user and filters usage by it', async () => {
    const res = await generate({ prompt: 'a lighthouse', size: '1K', user: 'customer-42' });
    expect(res.status).toBe(200);
    await generate({ prompt: 'a lighthouse', size: '1K', user: 'customer-7' });
    const list = await t.request('/api/v1/generations?user=customer-42', {
      headers: { Authorization: `Bearer ${t.key}` },
    });
    const generations = (await list.json()).data.generations;
    expect(generations.map((g: { id: string }) => g.id)).toEqual([
      res.headers.get('x-generation-id'),
    ]);
    expect(generations[0].user).toBe('customer-42');
    const usage = await t.application.core.database.db
      .selectFrom('generations')
      .select(['end_user'])
      .where('id', '=', res.headers.get('x-generation-id')!)
      .executeTakeFirstOrThrow();
    expect(usage.end_user).toBe('customer-42');
  });

  it('answers a GET with 405 and Allow in OpenAI shape', async () => {
    const res = await t.request(PATH, { headers: { Authorization: `Bearer ${t.key}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await openAiErrorOf(res)).code).toBe('method_not_allowed');
  });

  it('answers unknown /v1 routes with a 404 in OpenAI shape', async () => {
    const res = await t.request('/v1/images/variations', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await openAiErrorOf(res)).toMatchObject({
      type: 'invalid_request_error',
      code: 'not_found',
    });
  });
});

describe('errors clients branch on', () => {
  it('401 invalid_api_key with WWW-Authenticate for a missing or unknown key', async () => {
    for (const key of ['', 'gt_unknownunknownunknownunknownunknown1']) {
      const res = await postJson(t, PATH, { prompt: 'a lighthouse' }, {}, key);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await openAiErrorOf(res)).toEqual({
        message: 'Invalid or missing API key',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      });
    }
  });

  it('429 insufficient_quota, not retryable, when the balance cannot pay, and nothing is spent', async () => {
    const poor = await t.createAccount(3);
    const res = await postJson(t, PATH, { prompt: 'a lighthouse', n: 1 }, {}, poor.key);
    expect(res.status).toBe(429);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(res.headers.get('retry-after')).toBeNull();
    const err = await openAiErrorOf(res);
    expect(err).toMatchObject({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      param: null,
    });
    expect(err.message).toContain('it needs 4, the account has 3 available');
    const after = await t.application.core.ledger.balance(poor.accountId);
    expect(after).toMatchObject({ balance: 3, reserved: 0 });
  });

  it('400 content_policy_violation when the provider refuses every image, at no cost', async () => {
    const before = await balance();
    const res = await generate({ prompt: 'a lighthouse [[offline:content_policy]]', n: 2 });
    expect(res.status).toBe(400);
    expect(await openAiErrorOf(res)).toMatchObject({
      type: 'invalid_request_error',
      code: 'content_policy_violation',
    });
    expect(await balance()).toEqual(before);
  });

  it('charges only the delivered images of a partial result', async () => {
    const res = await generate({
      prompt: 'a lighthouse [[offline:fail-index=1]]',
      n: 3,
      size: '1K',
    });
    const body = await ok(res);
    expect(body.data).toHaveLength(2);
    expect(res.headers.get('x-credits-used')).toBe('8');
  });
});

describe('the same use case as the native endpoint', () => {
  it('costs the same credits and stores the same kind of image for the same request', async () => {
    const b0 = await balance();
    const native = await t.generate({
      prompt: 'A serene forest path',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
      number_of_images: 2,
    });
    const nativeBody = await native.json();
    const b1 = await balance();
    const openai = await ok(
      await generate({
        prompt: 'A serene forest path',
        model: 'seedream-4-0-250828',
        size: '1024x1024',
        n: 2,
      }),
    );
    const b2 = await balance();
    expect(b0.balance - b1.balance).toBe(nativeBody.data.credits_used);
    expect(b1.balance - b2.balance).toBe(b0.balance - b1.balance);
    for (const [i, item] of openai.data.entries()) {
      const a = await fetchImage(t, nativeBody.data.images[i].url);
      const b = await fetchImage(t, item.url!);
      expect(b.res.headers.get('content-type')).toBe(a.res.headers.get('content-type'));
      const [ma, mb] = [await sharp(a.bytes).metadata(), await sharp(b.bytes).metadata()];
      expect([mb.format, mb.width, mb.height]).toEqual([ma.format, ma.width, ma.height]);
      // The offline provider draws the same job identically: the very same picture (the
      // files differ only in their provenance metadata).
      expect((await pixelsOf(b.bytes)).equals(await pixelsOf(a.bytes))).toBe(true);
    }
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('replays an Idempotency-Key retry without charging again, and 409s another body', async () => {
    const headers = { 'Idempotency-Key': 'openai-retry-1' };
    const body = { prompt: 'a lighthouse', size: '1K', n: 2 };
    const before = await balance();
    const first = await generate(body, headers);
    const firstBody = await ok(first);
    const again = await generate(body, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await ok(again)).toEqual(firstBody);
    expect(again.headers.get('x-generation-id')).toBe(first.headers.get('x-generation-id'));
    expect((await balance()).balance).toBe(before.balance - 8);
    const other = await generate({ ...body, n: 1 }, headers);
    expect(other.status).toBe(409);
    expect(other.headers.get('x-should-retry')).toBe('false');
    expect((await openAiErrorOf(other)).code).toBe('idempotency_conflict');
    // A native request under the same key is another body too.
    const native = await t.generate(
      { prompt: 'a lighthouse', size: '1K', number_of_images: 2 },
      headers,
    );
    expect(native.status).toBe(409);
  });
});
