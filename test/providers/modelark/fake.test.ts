import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FakeModelArk } from '../../../src/providers/modelark/fake/server.ts';
import { startFake } from './helpers.ts';

/** The upstream's reply shapes, loosely (tests look at whichever applies). */
interface ArkReply {
  error: { code: string; message: string; param: string; type: string };
  model: string;
  created: number;
  data: Array<{ url?: string; b64_json?: string; size?: string; error?: { code: string } }>;
  usage: { generated_images: number; output_tokens: number; total_tokens: number };
}

interface ControlReply {
  queued: number;
  requests: Array<Record<string, unknown>>;
}

async function post(fake: FakeModelArk, body: unknown, key: string | null = fake.apiKey) {
  const response = await fetch(`${fake.url}/images/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: ArkReply;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined as unknown as ArkReply;
  }
  return { status: response.status, headers: response.headers, json, text };
}

const M45 = 'seedream-4-5-251128';
const M40 = 'seedream-4-0-250828';

async function dataUri(
  width: number,
  height: number,
  format: 'png' | 'jpeg' = 'png',
): Promise<string> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .toFormat(format)
    .toBuffer();
  return `data:image/${format};base64,${bytes.toString('base64')}`;
}

describe('fake ModelArk: what it refuses, like the real API', () => {
  it('answers a missing or wrong key with 401 AuthenticationError', async () => {
    const fake = await startFake();
    for (const key of [null, 'wrong']) {
      const r = await post(fake, { model: M45, prompt: 'x' }, key);
      expect(r.status).toBe(401);
      expect(r.headers.get('x-error-code')).toBe('AuthN_MissOrInvalidAuthorizationHeader');
      expect(r.headers.get('x-request-id')).toMatch(/^021/);
      expect(r.json).toEqual({
        error: {
          code: 'AuthenticationError',
          message: expect.stringMatching(
            /^the API key or AK\/SK in the request is missing or invalid\. Request id: 021/,
          ),
          param: '',
          type: 'Unauthorized',
        },
      });
    }
  });

  it('refuses bad parameters with the upstream codes and shapes', async () => {
    const fake = await startFake();
    const cases: Array<[unknown, number, string, RegExp?]> = [
      [{ prompt: 'x' }, 400, 'MissingParameter'],
      [{ model: M45 }, 400, 'MissingParameter'],
      [{ model: M45, prompt: '' }, 400, 'MissingParameter'],
      ['{not json', 400, 'InvalidParameter'],
      [{ model: 'seedream-9-0', prompt: 'x' }, 404, 'InvalidEndpointOrModel.NotFound'],
      [
        { model: M45, prompt: 'x', size: '1K' },
        400,
        'InvalidParameter',
        /`size` specified in the request is not valid: the specified size is not supported for model seedream-4-5\. Request id/,
      ],
      [{ model: M45, prompt: 'x', size: 'adaptive' }, 400, 'InvalidParameter'],
      [
        { model: M45, prompt: 'x', size: '1500x1500' },
        400,
        'InvalidParameter',
        /image size must be at least 3686400 pixels/,
      ],
      [
        { model: M40, prompt: 'x', size: '800x800' },
        400,
        'InvalidParameter',
        /at least 921600 pixels/,
      ],
      [{ model: M40, prompt: 'x', size: '512X512' }, 400, 'InvalidParameter'],
      [{ model: M40, prompt: 'x', size: '5000x5000' }, 400, 'InvalidParameter', /at most 16777216/],
      [{ model: M40, prompt: 'x', size: '16384x960' }, 400, 'InvalidParameter', /aspect ratio/],
      [{ model: M45, prompt: 'x', seed: 42 }, 400, 'InvalidParameter', /`seed`/],
      [{ model: M45, prompt: 'x', guidance_scale: 5 }, 400, 'InvalidParameter', /`guidance_scale`/],
      [{ model: M45, prompt: 'x', n: 2 }, 400, 'InvalidParameter', /`n`/],
      [{ model: M45, prompt: 'x', output_format: 'png' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', optimize_prompt: true }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', response_format: 'png' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', watermark: 'no' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', sequential_image_generation: 'on' }, 400, 'InvalidParameter'],
      [
        {
          model: M45,
          prompt: 'x',
          sequential_image_generation: 'auto',
          sequential_image_generation_options: { max_images: 16 },
        },
        400,
        'InvalidParameter',
      ],
      [
        { model: M45, prompt: 'x', optimize_prompt_options: { mode: 'fast' } },
        400,
        'InvalidParameter',
        /optimize_prompt_options\.mode/,
      ],
      [
        {
          model: M45,
          prompt: 'x',
          optimize_prompt_options: { mode: 'standard', thinking: 'auto' },
        },
        400,
        'InvalidParameter',
      ],
      [{ model: M45, prompt: 'x', image: '' }, 400, 'InvalidImageURL.EmptyURL'],
      [{ model: M45, prompt: 'x', image: 'not-a-url' }, 400, 'InvalidImageURL.InvalidFormat'],
      [
        { model: M45, prompt: 'x', image: 'data:image/png;base64,' },
        400,
        'InvalidImageURL.InvalidFormat',
      ],
      [
        { model: M45, prompt: 'x', image: 'data:image/png;base64,aGVsbG8=' },
        400,
        'InvalidImageURL.InvalidFormat',
      ],
      [
        { model: M45, prompt: 'x', image: Array(15).fill('https://example.com/a.png') },
        400,
        'InvalidParameter',
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post(fake, body);
      expect([r.status, r.json?.error?.code], JSON.stringify(body).slice(0, 120)).toEqual([
        status,
        code,
      ]);
      expect(r.json.error).toEqual({
        code,
        message: expect.stringMatching(/Request id: 021/),
        param: expect.any(String),
        type: expect.any(String),
      });
      if (message) expect(r.json.error.message).toMatch(message);
    }
    // Errors are 4xx typed as the error table says.
    expect((await post(fake, { model: M45 })).json.error.type).toBe('BadRequest');
    expect((await post(fake, { model: 'nope', prompt: 'x' })).json.error.type).toBe('NotFound');
  });

  it('requires lowercase data-URI formats and checks the image itself', async () => {
    const fake = await startFake();
    const png = await dataUri(64, 64);
    expect((await post(fake, { model: M45, prompt: 'x', image: png })).status).toBe(200);
    expect(
      (await post(fake, { model: M45, prompt: 'x', image: png.replace('image/png', 'image/PNG') }))
        .json.error.code,
    ).toBe('InvalidImageURL.InvalidFormat');
    const tiny = await dataUri(10, 64);
    expect((await post(fake, { model: M45, prompt: 'x', image: tiny })).json.error.message).toMatch(
      /greater than 14/,
    );
    const narrow = await dataUri(340, 20);
    expect(
      (await post(fake, { model: M45, prompt: 'x', image: narrow })).json.error.message,
    ).toMatch(/aspect ratio/);
    expect((await post(fake, { model: M45, prompt: 'x', image: Array(14).fill(png) })).status).toBe(
      200,
    );
  });

  it('accepts the documented valid sizes and both id schemes by default', async () => {
    const fake = await startFake();
    const ok = [
      { model: M45, prompt: 'x', size: '3750x1250' },
      { model: M40, prompt: 'x', size: '1600x600' },
      { model: M40, prompt: 'x', size: '1K' },
      { model: `doubao-${M45}`, prompt: 'x', size: '4K' },
      { model: M45, prompt: 'x' },
      { model: M40, prompt: 'x', optimize_prompt_options: { mode: 'fast' } },
    ];
    for (const body of ok) expect((await post(fake, body)).status, JSON.stringify(body)).toBe(200);
  });

  it('accepts only its flavor’s ids when told', async () => {
    const byteplus = await startFake({ flavor: 'byteplus' });
    expect((await post(byteplus, { model: `doubao-${M45}`, prompt: 'x' })).status).toBe(404);
    const volcengine = await startFake({ flavor: 'volcengine' });
    expect((await post(volcengine, { model: M45, prompt: 'x' })).status).toBe(404);
    const r = await post(volcengine, { model: `doubao-${M45}`, prompt: 'x', size: '1K' });
    expect(r.json.error.message).toMatch(/not supported for model doubao-seedream-4-5\./);
  });
});

describe('fake ModelArk: what it produces', () => {
  it('answers with the upstream reply shape, usage and a signed 24 h URL', async () => {
    const fake = await startFake();
    const r = await post(fake, {
      model: M45,
      prompt: 'a mobile wallpaper',
      size: '2K',
      watermark: false,
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      model: M45,
      created: expect.any(Number),
      data: [{ url: expect.any(String), size: '1600x2848' }],
      usage: {
        generated_images: 1,
        output_tokens: Math.round((1600 * 2848) / 256),
        total_tokens: Math.round((1600 * 2848) / 256),
      },
    });
    const url = new URL(r.json.data[0]!.url!);
    expect(url.pathname).toMatch(/^\/tos\/[0-9a-f]+_0\.jpeg$/);
    expect(url.searchParams.get('X-Tos-Algorithm')).toBe('TOS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Tos-Expires')).toBe('86400');
    expect(url.search).toContain('%2F');
    const image = await fetch(url);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1600, 2848]);
    // Escaping the signed URL again breaks it, as on the real storage.
    const escaped = await fetch(r.json.data[0]!.url!.replaceAll('%2F', '%252F'));
    expect(escaped.status).toBe(403);
    expect(await escaped.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    const unsigned = await fetch(`${url.origin}${url.pathname}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toMatch(/<Code>AccessDenied<\/Code>/);
  });

  it('expires URLs after their TTL', async () => {
    let now = Date.parse('2026-05-01T12:00:00Z');
    const fake = await startFake({ now: () => now, urlTtlSeconds: 3600 });
    const r = await post(fake, { model: M40, prompt: 'x', size: '1K' });
    expect((await fetch(r.json.data[0]!.url!)).status).toBe(200);
    now += 3_601_000;
    const expired = await fetch(r.json.data[0]!.url!);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it('returns b64_json JPEGs', async () => {
    const fake = await startFake();
    const r = await post(fake, {
      model: M40,
      prompt: 'x',
      size: '1920x1080',
      response_format: 'b64_json',
    });
    const meta = await sharp(Buffer.from(r.json.data[0]!.b64_json!, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1920, 1080]);
    expect(r.json.data[0]!.size).toBe('1920x1080');
  });

  it('implements batch semantics: a count the model picks, capped, with per-image failures', async () => {
    const fake = await startFake();
    const batch = (prompt: string, max?: number, image?: string[]) =>
      post(fake, {
        model: M40,
        prompt,
        size: '1K',
        sequential_image_generation: 'auto',
        ...(max === undefined ? {} : { sequential_image_generation_options: { max_images: max } }),
        ...(image ? { image } : {}),
      });
    expect((await batch('Generate 4 images of a cat', 3)).json.data).toHaveLength(3);
    expect((await batch('a cat [[fake:batch_count=2]]')).json.data).toHaveLength(2);
    expect((await batch('a cat')).json.data).toHaveLength(1);
    // Refs + outputs ≤ 15.
    const png = await dataUri(32, 32);
    expect((await batch('Generate 9 images', 15, Array(10).fill(png))).json.data).toHaveLength(5);

    const mixed = await batch('Generate 4 images [[fake:output_sensitive=1]]', 4);
    expect(mixed.json.data.map((d) => d.error?.code ?? d.size)).toEqual([
      '1024x1024',
      'OutputImageSensitiveContentDetected',
      '1024x1024',
      '1024x1024',
    ]);
    expect(mixed.json.usage.generated_images).toBe(3);
    const stopped = await batch('Generate 4 images [[fake:internal_error_at=2]]', 4);
    expect(stopped.json.data.map((d) => d.error?.code ?? 'ok')).toEqual([
      'ok',
      'ok',
      'InternalServiceError',
    ]);
  });

  it('streams SSE events per image, then completed and [DONE]', async () => {
    const fake = await startFake();
    const r = await post(fake, {
      model: M45,
      prompt: 'Generate 3 images [[fake:output_sensitive=1]]',
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images: 3 },
      stream: true,
    });
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const blocks = r.text.trim().split('\n\n');
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([
      'event: image_generation.partial_succeeded',
      'event: image_generation.partial_failed',
      'event: image_generation.partial_succeeded',
      'event: image_generation.completed',
      'data: [DONE]',
    ]);
    const payloads = blocks
      .slice(0, 4)
      .map((b) => JSON.parse(b.split('\n')[1]!.slice('data: '.length)));
    expect(payloads.map((p) => p.image_index)).toEqual([0, 1, 2, undefined]);
    expect(payloads[3].usage.generated_images).toBe(2);
  });

  it('answers prompt-marker errors, with Retry-After and a use count', async () => {
    const fake = await startFake();
    const prompt =
      'x [[fake:status=429,code=ModelAccountIpmRateLimitExceeded,retry_after=2,times=1]]';
    const first = await post(fake, { model: M45, prompt });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(first.json.error).toMatchObject({
      code: 'ModelAccountIpmRateLimitExceeded',
      type: 'TooManyRequests',
    });
    expect((await post(fake, { model: M45, prompt })).status).toBe(200);
    const single = await post(fake, { model: M45, prompt: 'x [[fake:output_sensitive]]' });
    expect([single.status, single.json.error.code]).toEqual([
      400,
      'OutputImageSensitiveContentDetected',
    ]);
  });

  it('has a control API: script replies, inspect requests, change config, reset', async () => {
    const fake = await startFake();
    const control = (path: string, body?: unknown) =>
      fetch(`${fake.origin}/__fake/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }).then((r) => r.json() as Promise<ControlReply>);
    expect(
      await control('script', {
        responses: [
          { status: 500, code: 'InternalServiceError' },
          { status: 403, code: 'AccessDenied', times: 2 },
        ],
      }),
    ).toEqual({
      queued: 2,
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post(fake, { model: M45, prompt: 'x' })).status);
    expect(statuses).toEqual([500, 403, 403, 200]);
    const { requests } = await control('requests');
    expect(requests).toHaveLength(4);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v3/images/generations',
      body: { model: M45, prompt: 'x' },
      status: 500,
    });

    await control('config', { failureRate: 1 });
    expect((await post(fake, { model: M45, prompt: 'x' })).json.error.code).toBe(
      'InternalServiceError',
    );
    await control('config', { failureRate: 0 });
    await control('reset', {});
    expect((await control('requests')).requests).toHaveLength(0);
  });

  it('enforces an IPM limit when configured', async () => {
    const fake = await startFake({ imagesPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(fake, { model: M40, prompt: 'x' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await post(fake, { model: M45, prompt: 'x' })).status).toBe(200);
  });

  it('simulates latency per image', async () => {
    const fake = await startFake({ latencyMs: 150 });
    const started = Date.now();
    await post(fake, { model: M40, prompt: 'x' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
