import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FakeFal } from '../../../src/providers/fal/fake/server.ts';
import { startFake } from './helpers.ts';

const T2I_45 = 'fal-ai/bytedance/seedream/v4.5/text-to-image';
const T2I_40 = 'fal-ai/bytedance/seedream/v4/text-to-image';
const EDIT_40 = 'fal-ai/bytedance/seedream/v4/edit';

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { detail?: Array<{ loc: unknown[]; type: string; msg: string }> };
}

async function call(
  fake: FakeFal,
  method: string,
  path: string,
  body?: unknown,
  auth: string | null = `Key ${fake.apiKey}`,
): Promise<Reply> {
  const url = path.startsWith('http') ? path : `${fake.url}/${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(auth === null ? {} : { authorization: auth }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

const submit = (fake: FakeFal, endpoint: string, body: unknown) =>
  call(fake, 'POST', endpoint, body);

describe('fake fal.ai queue: what it refuses, like fal', () => {
  it('wants `Authorization: Key …`: none, a wrong key or a Bearer token is 401', async () => {
    const fake = await startFake();
    for (const auth of [null, 'Key nope', `Bearer ${fake.apiKey}`]) {
      const r = await call(fake, 'POST', T2I_45, { prompt: 'x' }, auth);
      expect(r.status, String(auth)).toBe(401);
      expect(typeof r.json.detail).toBe('string');
    }
    expect(fake.submissions()).toHaveLength(3);
  });

  it('answers unknown apps with 404 and wrong methods with 405', async () => {
    const fake = await startFake();
    expect((await call(fake, 'POST', 'fal-ai/flux/dev', { prompt: 'x' })).status).toBe(404);
    expect((await call(fake, 'GET', T2I_45)).status).toBe(405);
    const queued = await submit(fake, T2I_45, { prompt: 'x' });
    const statusUrl = String(queued.json.status_url);
    expect((await call(fake, 'PUT', statusUrl)).status).toBe(405);
    expect((await call(fake, 'POST', String(queued.json.response_url), {})).status).toBe(405);
    expect((await call(fake, 'GET', String(queued.json.cancel_url))).status).toBe(405);
    expect(
      (
        await call(
          fake,
          'GET',
          `${fake.url}/fal-ai/other/requests/${queued.json.request_id}/status`,
        )
      ).status,
    ).toBe(404);
  });

  it('validates inputs like fal’s models: 422 with detail[] naming the field', async () => {
    const fake = await startFake();
    const cases: Array<[string, unknown, string, unknown[]]> = [
      [T2I_45, {}, 'missing', ['body', 'prompt']],
      [T2I_45, { prompt: 7 }, 'string_type', ['body', 'prompt']],
      [T2I_45, { prompt: 'x', n: 2 }, 'extra_forbidden', ['body', 'n']],
      [
        T2I_45,
        { prompt: 'x', image_urls: ['https://a.example/x.png'] },
        'extra_forbidden',
        ['body', 'image_urls'],
      ],
      [T2I_45, { prompt: 'x', image_size: 'auto' }, 'enum', ['body', 'image_size']],
      [T2I_45, { prompt: 'x', image_size: 'huge' }, 'enum', ['body', 'image_size']],
      [
        T2I_45,
        { prompt: 'x', image_size: { width: 1500, height: 1500 } },
        'value_error',
        ['body', 'image_size'],
      ],
      [
        T2I_45,
        { prompt: 'x', image_size: { width: 20000, height: 10 } },
        'less_than_equal',
        ['body', 'image_size', 'width'],
      ],
      [
        T2I_45,
        { prompt: 'x', image_size: { width: 2048, height: 2048, depth: 3 } },
        'extra_forbidden',
        ['body', 'image_size', 'depth'],
      ],
      [
        T2I_40,
        { prompt: 'x', image_size: { width: 800, height: 1200 } },
        'value_error',
        ['body', 'image_size'],
      ],
      [T2I_40, { prompt: 'x', num_images: 7 }, 'less_than_equal', ['body', 'num_images']],
      [T2I_40, { prompt: 'x', max_images: 0 }, 'greater_than_equal', ['body', 'max_images']],
      [
        T2I_40,
        { prompt: 'x', enable_safety_checker: 'yes' },
        'bool_type',
        ['body', 'enable_safety_checker'],
      ],
      [EDIT_40, { prompt: 'x' }, 'missing', ['body', 'image_urls']],
      [EDIT_40, { prompt: 'x', image_urls: [] }, 'too_short', ['body', 'image_urls']],
    ];
    for (const [endpoint, body, type, loc] of cases) {
      const r = await submit(fake, endpoint, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.json.detail?.[0], JSON.stringify(body)).toMatchObject({ type, loc });
    }
  });

  it('applies the v4.5 "sides or pixels" rule and either v4 reading', async () => {
    const fake = await startFake();
    const ok = async (endpoint: string, width: number, height: number) =>
      (await submit(fake, endpoint, { prompt: 'x', image_size: { width, height } })).status === 200;
    expect(await ok(T2I_45, 2560, 1440)).toBe(true);
    expect(await ok(T2I_45, 3024, 1296)).toBe(true);
    expect(await ok(T2I_45, 1920, 1920)).toBe(true);
    expect(await ok(T2I_45, 1500, 1500)).toBe(false);
    expect(await ok(T2I_45, 4200, 1000)).toBe(false);
    expect(await ok(T2I_40, 1024, 1024)).toBe(true);
    expect(await ok(T2I_40, 800, 1200)).toBe(false);
    fake.configure({ v4SizeRule: 'pixels' });
    expect(await ok(T2I_40, 800, 1200)).toBe(true);
    expect(await ok(T2I_40, 900, 900)).toBe(false);
  });

  it('runs a request through the queue: 202 while waiting, 200 once done, then the output', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const fake = await startFake({ now: () => now });
    fake.script({ queueMs: 1000, latencyMs: 1000, queuePosition: 3 });
    const queued = await submit(fake, T2I_40, {
      prompt: 'x',
      image_size: { width: 1280, height: 1024 },
    });
    expect(queued.status).toBe(200);
    expect(queued.json).toMatchObject({ status: 'IN_QUEUE', queue_position: 3 });
    expect(String(queued.json.status_url)).toMatch(
      /\/fal-ai\/bytedance\/requests\/[0-9a-f-]+\/status$/,
    );
    const look = async () => {
      const r = await call(fake, 'GET', String(queued.json.status_url));
      return [r.status, r.json.status, r.json.queue_position];
    };
    expect(await look()).toEqual([202, 'IN_QUEUE', 3]);
    now += 600;
    expect(await look()).toEqual([202, 'IN_QUEUE', 1]);
    now += 600;
    expect(await look()).toEqual([202, 'IN_PROGRESS', undefined]);
    expect((await call(fake, 'GET', String(queued.json.response_url))).status).toBe(400);
    now += 1000;
    expect(await look()).toEqual([200, 'COMPLETED', undefined]);
    const result = await call(fake, 'GET', String(queued.json.response_url));
    const images = result.json.images as Array<{ url: string; width: number; height: number }>;
    expect(images).toHaveLength(1);
    expect(typeof result.json.seed).toBe('number');
    const file = Buffer.from(await (await fetch(images[0]!.url)).arrayBuffer());
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1280, 1024]);
  });

  it('serves a request under both path shapes, and cancels only what has not finished', async () => {
    const fake = await startFake({ pathShape: 'full' });
    const queued = await submit(fake, T2I_40, { prompt: 'x [[fake:latency_ms=5000]]' });
    const id = String(queued.json.request_id);
    expect(String(queued.json.status_url)).toBe(`${fake.url}/${T2I_40}/requests/${id}/status`);
    expect((await call(fake, 'GET', `fal-ai/bytedance/requests/${id}/status`)).status).toBe(202);
    const cancelled = await call(fake, 'PUT', `fal-ai/bytedance/requests/${id}/cancel`);
    expect([cancelled.status, cancelled.json.status]).toEqual([202, 'CANCELLATION_REQUESTED']);
    fake.configure({ cancelReply: 'success' });
    const again = await submit(fake, T2I_40, { prompt: 'x [[fake:latency_ms=5000]]' });
    expect((await call(fake, 'PUT', String(again.json.cancel_url))).json).toEqual({
      success: true,
    });

    const quick = await submit(fake, T2I_40, { prompt: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await call(fake, 'PUT', String(quick.json.cancel_url));
    expect([late.status, late.json.status]).toEqual([400, 'ALREADY_COMPLETED']);
    expect(fake.cancels()).toHaveLength(3);
  });

  it('uses only the last 10 image_urls, as fal documents, and fails inputs it cannot load', async () => {
    const fake = await startFake();
    const urls = Array.from({ length: 12 }, (_, i) => `https://img.example/${i}.png`);
    const accepted = await submit(fake, EDIT_40, { prompt: 'x', image_urls: urls });
    expect(accepted.status).toBe(200);
    const broken = await submit(fake, EDIT_40, {
      prompt: 'x',
      image_urls: ['data:image/png;base64,aGVsbG8='],
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await call(fake, 'GET', String(broken.json.response_url));
    expect(result.status).toBe(422);
    expect(result.headers.get('x-fal-retryable')).toBe('false');
    expect(result.json.detail?.[0]).toMatchObject({
      type: 'image_load_error',
      loc: ['body', 'image_urls', 0],
    });
  });

  it('scripts failures with fal’s headers, and counts every call', async () => {
    const fake = await startFake();
    fake.script({ submitError: { status: 503, retryable: true, retryAfter: 3 } });
    const refused = await submit(fake, T2I_45, { prompt: 'x' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-fal-retryable')).toBe('true');
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(refused.headers.get('x-fal-error-type')).toBe('downstream_service_unavailable');
    expect(fake.submissions()).toHaveLength(1);
    fake.reset();
    expect(fake.requests).toHaveLength(0);
  });

  it('is scriptable over HTTP for a fake in another process', async () => {
    const fake = await startFake();
    const scripted = await fetch(`${fake.origin}/__fake/script`, {
      method: 'POST',
      body: JSON.stringify({ submitError: { status: 500 } }),
    });
    expect(await scripted.json()).toEqual({ queued: 1 });
    const config = await fetch(`${fake.origin}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: 5, pathShape: 'full', bogus: 1 }),
    });
    expect(await config.json()).toMatchObject({ latencyMs: 5, pathShape: 'full' });
    expect((await submit(fake, T2I_45, { prompt: 'x' })).status).toBe(500);
    const recorded = (await (await fetch(`${fake.origin}/__fake/requests`)).json()) as {
      requests: unknown[];
    };
    expect(recorded.requests).toHaveLength(1);
  });
});
