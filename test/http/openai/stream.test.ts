import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { fetchImage, openAiErrorOf, postJson } from './helpers.ts';

// `stream: true`: server-sent events with OpenAI's names, one completed event per image as it
// is stored; refusals before the first image keep their status and JSON body.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PATH = '/v1/images/generations';

interface Event {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a complete SSE body (comments skipped). */
function parseEvents(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      return { event, data };
    });
}

describe('stream: true', () => {
  it('sends one image_generation.completed event per image with OpenAI fields', async () => {
    const res = await postJson(t, PATH, {
      prompt: 'a lighthouse',
      n: 2,
      size: '1536x1024',
      stream: true,
      partial_images: 2,
      user: 'streamer',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const events = parseEvents(await res.text());
    // No provider renders partial previews: only the final images (OpenAI allows fewer).
    expect(events.map((e) => e.event)).toEqual([
      'image_generation.completed',
      'image_generation.completed',
    ]);
    for (const { data } of events) {
      expect(data).toMatchObject({
        type: 'image_generation.completed',
        background: 'opaque',
        output_format: 'jpeg',
        quality: 'auto',
        size: '1536x1024',
        usage: { output_tokens: (1536 * 1024) / 256, total_tokens: (1536 * 1024) / 256 },
      });
      expect(typeof data.created_at).toBe('number');
      const bytes = Buffer.from(data.b64_json as string, 'base64');
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([1536, 1024]);
      const stored = await fetchImage(t, data.url as string);
      expect(stored.bytes.equals(bytes)).toBe(true);
    }
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('sends each image as soon as it is stored, before the others finish', async () => {
    const res = await postJson(t, PATH, {
      prompt: 'a lighthouse [[offline:delay-index=1:2000]]',
      n: 2,
      size: '1K',
      stream: true,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    // The first event is out while the second image is still being drawn: not yet settled.
    const pending = await t.application.core.database.db
      .selectFrom('generations')
      .select(['status', 'images_delivered'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(pending.status).toBe('pending');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(parseEvents(text)).toHaveLength(2);
  });

  it('keeps the status of refusals that come before any image', async () => {
    const poor = await t.createAccount(1);
    const broke = await postJson(t, PATH, { prompt: 'a lighthouse', stream: true }, {}, poor.key);
    expect(broke.status).toBe(429);
    expect(broke.headers.get('content-type')).toContain('application/json');
    expect((await openAiErrorOf(broke)).code).toBe('insufficient_quota');

    const refused = await postJson(t, PATH, {
      prompt: 'a lighthouse [[offline:content_policy]]',
      stream: true,
    });
    expect(refused.status).toBe(400);
    expect((await openAiErrorOf(refused)).code).toBe('content_policy_violation');
  });

  it('replays a streamed request under its Idempotency-Key without charging again', async () => {
    const headers = { 'Idempotency-Key': 'stream-1' };
    const body = { prompt: 'a lighthouse', size: '1K', n: 2, stream: true };
    const before = (await t.application.core.ledger.balance(t.accountId))!;
    const first = parseEvents(await (await postJson(t, PATH, body, headers)).text());
    const again = await postJson(t, PATH, body, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replayed = parseEvents(await again.text());
    const urls = (events: Event[]) => events.map((e) => e.data.url).sort();
    expect(urls(replayed)).toEqual(urls(first));
    const after = (await t.application.core.ledger.balance(t.accountId))!;
    expect(before.balance - after.balance).toBe(8);
  });
});
