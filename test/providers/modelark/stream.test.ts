import { describe, expect, it } from 'vitest';
import { createSseParser, readSse, type SseEvent } from '../../../src/providers/modelark/sse.ts';
import { interpretStreamEvent } from '../../../src/providers/modelark/wire.ts';
import { makeJob, makeProvider, measure, sentBody, startFake } from './helpers.ts';

/** The first bytes of a JPEG, then a marker to recognise it by. */
const TINY_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('tiny')]);

const SAMPLE =
  'event: image_generation.partial_failed\r\n' +
  'data: {"type":"image_generation.partial_failed","image_index":0,"error":{"code":"OutputImageSensitiveContentDetected","message":"é blocked"}}\r\n' +
  '\r\n' +
  ': a comment line\n' +
  'data: {"type":"image_generation.partial_succeeded","image_index":1,\n' +
  'data: "url":"https://x.example/a_1.jpeg?X-Tos-Signature=ab%2Fcd&b=1","size":"2048x2048"}\n' +
  '\n' +
  'event: image_generation.completed\r' +
  'data: {"type":"image_generation.completed","usage":{"generated_images":1}}\r' +
  '\r' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  {
    event: 'image_generation.partial_failed',
    data: '{"type":"image_generation.partial_failed","image_index":0,"error":{"code":"OutputImageSensitiveContentDetected","message":"é blocked"}}',
  },
  {
    data: '{"type":"image_generation.partial_succeeded","image_index":1,\n"url":"https://x.example/a_1.jpeg?X-Tos-Signature=ab%2Fcd&b=1","size":"2048x2048"}',
  },
  {
    event: 'image_generation.completed',
    data: '{"type":"image_generation.completed","usage":{"generated_images":1}}',
  },
  { data: '[DONE]' },
];

function bytesStream(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of readSse(stream)) out.push(event);
  return out;
}

describe('SSE parsing', () => {
  it('parses LF, CRLF and CR line ends, comments and multi-line data', () => {
    const parser = createSseParser();
    expect([...parser.push(SAMPLE), ...parser.end()]).toEqual(EXPECTED);
  });

  it('gives the same events for every split of the text into two chunks', () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      const parser = createSseParser();
      const events = [
        ...parser.push(SAMPLE.slice(0, cut)),
        ...parser.push(SAMPLE.slice(cut)),
        ...parser.end(),
      ];
      expect(events, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events for byte chunks of every size, splitting UTF-8 sequences too', async () => {
    const bytes = new TextEncoder().encode(SAMPLE);
    for (let size = 1; size <= 40; size++) {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
      expect(await collect(bytesStream(parts)), `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  it('flushes a last event that has no blank line after it', () => {
    const parser = createSseParser();
    expect([...parser.push('data: {"a":1}\ndata: [DONE]'), ...parser.end()]).toEqual([
      { data: '{"a":1}\n[DONE]' },
    ]);
  });

  it('interprets events by JSON type, falling back to the event name', () => {
    expect(interpretStreamEvent(EXPECTED[0]!)).toEqual({
      kind: 'failed',
      error: { code: 'OutputImageSensitiveContentDetected', message: 'é blocked' },
    });
    expect(interpretStreamEvent(EXPECTED[1]!)).toEqual({
      kind: 'succeeded',
      image: {
        kind: 'url',
        url: 'https://x.example/a_1.jpeg?X-Tos-Signature=ab%2Fcd&b=1',
        size: '2048x2048',
      },
    });
    expect(interpretStreamEvent(EXPECTED[3]!)).toEqual({ kind: 'done' });
    expect(
      interpretStreamEvent({
        event: 'image_generation.partial_succeeded',
        data: '{"b64_json":"AAAA"}',
      }),
    ).toEqual({ kind: 'succeeded', image: { kind: 'b64', data: 'AAAA' } });
    expect(interpretStreamEvent({ data: '{"error":{"code":"BadRequest","message":"m"}}' })).toEqual(
      {
        kind: 'error',
        error: { code: 'BadRequest', message: 'm' },
      },
    );
    expect(interpretStreamEvent({ data: 'not json' })).toEqual({ kind: 'ignored' });
  });
});

describe('ModelArk streaming', () => {
  it('takes the image from a partial_succeeded event', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { stream: true });
    const outcome = await provider.generate(
      makeJob({ size: { kind: 'exact', width: 2304, height: 1728 } }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(sentBody(fake).stream).toBe(true);
    expect(await measure(outcome.image.bytes)).toMatchObject({ width: 2304, height: 1728 });
  });

  it('copes with tiny network chunks and no event lines', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { stream: true, responseFormat: 'b64_json' });
    const outcome = await provider.generate(
      makeJob({
        model: 'seedream-4-0-250828',
        prompt: 'x [[fake:sse_chunk=7]] [[fake:sse_no_event_lines]]',
      }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(await measure(outcome.image.bytes)).toMatchObject({ width: 2048, height: 2048 });
  });

  it('maps partial_failed moderation to content_policy', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { stream: true });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:output_sensitive]]' }));
    expect(outcome.ok || outcome.failure.kind).toBe('content_policy');
    expect(fake.generations()).toHaveLength(1);
  });

  it('retries a partial_failed internal error: that image was not generated', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { stream: true, maxRetries: 1 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:internal_error_at=0]]' }));
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.generations()).toHaveLength(2);
  });

  it('maps a stream error event by its code', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { stream: true });
    const refused = await provider.generate(
      makeJob({ prompt: 'x [[fake:stream_error=InputTextSensitiveContentDetected]]' }),
    );
    expect(refused.ok || refused.failure.kind).toBe('content_policy');
  });

  it('uses the first image of a stream whose earlier image failed', async () => {
    const fake = await startFake();
    const sse = [
      'data: {"type":"image_generation.partial_failed","image_index":0,"error":{"code":"OutputImageSensitiveContentDetected","message":"m"}}\n\n',
      `data: {"type":"image_generation.partial_succeeded","image_index":1,"b64_json":"${TINY_JPEG.toString('base64')}","size":"2048x2048"}\n\n`,
    ].join('');
    const { provider } = makeProvider(fake, {
      stream: true,
      fetch: async () =>
        new Response(
          // The stream never ends: the adapter must not wait for `completed`.
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(sse));
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
      requestTimeoutMs: 2000,
    });
    const outcome = await provider.generate(makeJob());
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(Buffer.from(outcome.image.bytes)).toEqual(TINY_JPEG);
  });

  it('uses the successful item of a partial non-streamed batch reply', async () => {
    const fake = await startFake();
    const b64 = TINY_JPEG.toString('base64');
    fake.script({
      status: 200,
      body: {
        model: 'seedream-4-5-251128',
        created: 1,
        data: [
          { error: { code: 'OutputImageSensitiveContentDetected', message: 'm' } },
          { b64_json: b64, size: '2048x2048' },
        ],
        usage: { generated_images: 1, output_tokens: 16384, total_tokens: 16384 },
      },
    });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(Buffer.from(outcome.image.bytes)).toEqual(TINY_JPEG);
  });

  it('fails as unavailable when the stream ends without an image', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, {
      stream: true,
      fetch: async () =>
        new Response(
          'data: {"type":"image_generation.completed","usage":{"generated_images":0}}\n\ndata: [DONE]\n\n',
          {
            headers: { 'content-type': 'text/event-stream' },
          },
        ),
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
  });
});
