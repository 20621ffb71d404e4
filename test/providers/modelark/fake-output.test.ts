import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type ControlReply, dataUri, M40, M45, post } from './fake-client.ts';
import { startFake } from './helpers.ts';

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
