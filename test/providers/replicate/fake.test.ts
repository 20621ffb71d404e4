import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FakeReplicate } from '../../../src/providers/replicate/fake/server.ts';
import { startFake } from './helpers.ts';

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(
  fake: FakeReplicate,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  auth: string | null = `Bearer ${fake.apiToken}`,
): Promise<Reply> {
  const url = path.startsWith('http') ? path : `${fake.url}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(auth === null ? {} : { authorization: auth }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

const S4 = '/models/bytedance/seedream-4/predictions';
const S45 = '/models/bytedance/seedream-4.5/predictions';

describe('fake Replicate: what it refuses, like Replicate', () => {
  it('wants `Authorization: Bearer …`', async () => {
    const fake = await startFake();
    for (const auth of [null, 'Bearer nope', `Token ${fake.apiToken}`]) {
      const r = await call(fake, 'POST', S45, { input: { prompt: 'x' } }, {}, auth);
      expect(r.status, String(auth)).toBe(401);
      expect(r.json).toMatchObject({ title: 'Unauthenticated', status: 401 });
    }
  });

  it('answers unknown models and paths with 404 and wrong methods with 405', async () => {
    const fake = await startFake();
    expect(
      (
        await call(fake, 'POST', '/models/bytedance/seedream-9/predictions', {
          input: { prompt: 'x' },
        })
      ).status,
    ).toBe(404);
    expect((await call(fake, 'POST', '/predictions', { version: 'x', input: {} })).status).toBe(
      404,
    );
    expect((await call(fake, 'GET', S45)).status).toBe(405);
    const created = await call(fake, 'POST', S45, { input: { prompt: 'x' } });
    const urls = created.json.urls as { get: string; cancel: string };
    expect((await call(fake, 'POST', urls.get, {})).status).toBe(405);
    expect((await call(fake, 'GET', urls.cancel)).status).toBe(405);
    expect((await call(fake, 'GET', '/predictions/unknown')).status).toBe(404);
  });

  it('validates inputs per model: 422 with invalid_fields', async () => {
    const fake = await startFake();
    const cases: Array<[string, unknown, string]> = [
      [S45, { prompt: 'x' }, 'input'],
      [S45, { input: {} }, 'input.prompt'],
      [S45, { input: { prompt: 'x' }, version: 'abc' }, '(root)'],
      [S45, { input: { prompt: 'x', size: '1K' } }, 'input.size'],
      [S4, { input: { prompt: 'x', size: '8K' } }, 'input.size'],
      [S45, { input: { prompt: 'x', aspect_ratio: '5:4' } }, 'input.aspect_ratio'],
      [S45, { input: { prompt: 'x', size: 'custom', width: 800 } }, 'input.width'],
      [S45, { input: { prompt: 'x', height: 5000 } }, 'input.height'],
      [S45, { input: { prompt: 'x', max_images: 16 } }, 'input.max_images'],
      [S45, { input: { prompt: 'x', enhance_prompt: true } }, 'input'],
      [S4, { input: { prompt: 'x', disable_safety_checker: true } }, 'input'],
      [S4, { input: { prompt: 'x', seed: 1 } }, 'input'],
      [S45, { input: { prompt: 'x'.repeat(4001) } }, 'input.prompt'],
      [
        S4,
        { input: { prompt: 'x', image_input: Array(11).fill('https://a.example/x.png') } },
        'input.image_input',
      ],
      [S45, { input: { prompt: 'x', image_input: ['not a uri'] } }, 'input.image_input.0'],
    ];
    for (const [path, body, field] of cases) {
      const r = await call(fake, 'POST', path, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(r.json.title).toBe('Input validation failed');
      const fields = (r.json.invalid_fields as Array<{ field: string }>).map((f) => f.field);
      expect(fields, JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    expect(
      (
        await call(fake, 'POST', S45, {
          input: { prompt: 'x', image_input: Array(14).fill('https://a.example/x.png') },
        })
      ).status,
    ).toBe(201);
  });

  it('checks Prefer and Cancel-After', async () => {
    const fake = await startFake();
    const body = { input: { prompt: 'x' } };
    expect((await call(fake, 'POST', S45, body, { prefer: 'wait=61' })).status).toBe(400);
    expect((await call(fake, 'POST', S45, body, { prefer: 'respond-async' })).status).toBe(400);
    expect((await call(fake, 'POST', S45, body, { 'cancel-after': 'soon' })).status).toBe(400);
    expect(
      (await call(fake, 'POST', S45, body, { prefer: 'wait', 'cancel-after': '1m30s' })).status,
    ).toBe(201);
  });

  it('runs a prediction: starting, processing, succeeded with an output of the claimed size', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const fake = await startFake({ now: () => now, queueMs: 1000, latencyMs: 1000 });
    const created = await call(fake, 'POST', S4, {
      input: { prompt: 'x', size: 'custom', width: 1280, height: 1024 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe((created.json.urls as { get: string }).get);
    expect(created.json).toMatchObject({
      status: 'starting',
      output: null,
      error: null,
      model: 'bytedance/seedream-4',
    });
    const get = (created.json.urls as { get: string }).get;
    now += 1500;
    expect((await call(fake, 'GET', get)).json.status).toBe('processing');
    now += 1000;
    const done = await call(fake, 'GET', get);
    expect(done.json).toMatchObject({ status: 'succeeded', data_removed: false });
    const [url] = done.json.output as string[];
    const meta = await sharp(Buffer.from(await (await fetch(url!)).arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1280, 1024]);
    now += 3_600_000;
    const later = await call(fake, 'GET', get);
    expect(later.json).toMatchObject({ status: 'succeeded', output: null, data_removed: true });
    expect((await fetch(url!)).status).toBe(404);
  });

  it('holds a create for Prefer: wait until the prediction is done', async () => {
    const fake = await startFake({ latencyMs: 150 });
    const started = Date.now();
    const r = await call(fake, 'POST', S45, { input: { prompt: 'x' } }, { prefer: 'wait=5' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(r.json.status).toBe('succeeded');
  });

  it('cancels a running prediction, and lets Cancel-After abort one that never started', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const fake = await startFake({ now: () => now, queueMs: 10_000, latencyMs: 10_000 });
    const running = await call(fake, 'POST', S45, { input: { prompt: 'x' } });
    const cancelled = await call(fake, 'POST', (running.json.urls as { cancel: string }).cancel);
    expect(cancelled.json.status).toBe('canceled');
    const late = await call(
      fake,
      'POST',
      S45,
      { input: { prompt: 'x' } },
      { 'cancel-after': '5s' },
    );
    now += 6000;
    expect((await call(fake, 'GET', (late.json.urls as { get: string }).get)).json.status).toBe(
      'aborted',
    );
    expect(fake.cancels()).toHaveLength(1);
  });

  it('fails a 4.5 custom size under ModelArk’s pixel floor, and flagged prompts with E005', async () => {
    const fake = await startFake();
    const small = await call(
      fake,
      'POST',
      S45,
      { input: { prompt: 'x', size: 'custom', width: 1024, height: 1024 } },
      { prefer: 'wait=5' },
    );
    expect(small.json).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/at least 3686400 pixels/),
    });
    const flagged = await call(
      fake,
      'POST',
      S45,
      { input: { prompt: 'x [[fake:flagged]]' } },
      { prefer: 'wait=5' },
    );
    expect(flagged.json).toMatchObject({ status: 'failed', error: expect.stringMatching(/E005/) });
  });

  it('throttles creates over the per-minute limit with a hint, and a Retry-After when configured', async () => {
    const fake = await startFake({ createsPerMinute: 1 });
    expect((await call(fake, 'POST', S45, { input: { prompt: 'x' } })).status).toBe(201);
    const throttled = await call(fake, 'POST', S45, { input: { prompt: 'x' } });
    expect(throttled.status).toBe(429);
    expect(String(throttled.json.detail)).toMatch(
      /^Request was throttled\. Your rate limit resets in ~\d+s\.$/,
    );
    expect(throttled.headers.get('retry-after')).toBeNull();
    fake.configure({ throttleRetryAfterHeader: true });
    expect(
      (await call(fake, 'POST', S45, { input: { prompt: 'x' } })).headers.get('retry-after'),
    ).toMatch(/^\d+$/);
    expect(fake.creates()).toHaveLength(3);
  });
});
