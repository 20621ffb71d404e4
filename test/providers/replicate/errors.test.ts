import { describe, expect, it } from 'vitest';
import {
  classifyCreateError,
  classifyFailedPrediction,
} from '../../../src/providers/replicate/errors.ts';
import { throttleWaitMs } from '../../../src/providers/replicate/wire.ts';
import { makeJob, makeSource, measure } from '../helpers.ts';
import { makeProvider, startFake } from './helpers.ts';

describe('Replicate errors and outputs', () => {
  it('reports flagged content (E005) as a content-policy refusal, never retried', async () => {
    const fake = await startFake();
    const { provider, backoffs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:flagged]]' }));
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: {
        kind: 'content_policy',
        message:
          'The model provider refused the prompt, an input image or the generated image under its content policy.',
      },
    });
    expect(fake.creates()).toHaveLength(1);
    expect(backoffs()).toEqual([]);
  });

  it('reports any other failed prediction as unavailable without creating another', async () => {
    const fake = await startFake();
    fake.script({ fail: 'CUDA out of memory' });
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.creates()).toHaveLength(1);
    expect(logs.lines.some((l) => l.upstreamMessage === 'CUDA out of memory')).toBe(true);
  });

  it('waits as long as the throttling reply says (body hint or Retry-After), then succeeds', async () => {
    const fake = await startFake({ createsPerMinute: 1 });
    const { provider, backoffs } = makeProvider(fake, { retryMaxMs: 120_000, maxRetries: 1 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    const throttled = await provider.generate(makeJob());
    expect(throttled.ok || throttled.failure.kind).toBe('rate_limited');
    expect(fake.creates().map((c) => c.status)).toEqual([201, 429, 429]);
    // "Your rate limit resets in ~60s."
    expect(backoffs()[0]).toBeGreaterThanOrEqual(59_000);
    expect(throttled.ok || throttled.failure.retryAfter).toBeGreaterThanOrEqual(59);

    fake.reset();
    fake.configure({ createsPerMinute: 600 });
    fake.script({
      createError: {
        status: 429,
        title: 'Request was throttled',
        detail: 'Slow down',
        retryAfter: 2,
      },
    });
    const second = makeProvider(fake);
    expect((await second.provider.generate(makeJob())).ok).toBe(true);
    expect(second.backoffs()).toEqual([2000]);
  });

  it('gives up at once when the throttle wait is longer than the backoff cap', async () => {
    const fake = await startFake({ createsPerMinute: 0 });
    const { provider } = makeProvider(fake, { retryMaxMs: 10_000 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure).toMatchObject({ kind: 'rate_limited', retryAfter: 60 });
    expect(fake.creates()).toHaveLength(1);
  });

  it('retries 5xx creates with backoff', async () => {
    const fake = await startFake();
    fake.script({ createError: { status: 503, title: 'Service Unavailable' }, times: 2 });
    const { provider, backoffs } = makeProvider(fake, { retryBaseMs: 1000 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(fake.creates()).toHaveLength(3);
    expect(backoffs()).toEqual([500, 1000]);
  });

  it('reports a rejected token as a configuration problem with a hint', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { apiToken: 'r8_wrong' });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.message).toBe(
      'The model provider is unavailable because of a configuration problem.',
    );
    expect(logs.lines.find((l) => l.level === 50)?.msg).toBe(
      'Replicate: Replicate rejected the token: check REPLICATE_API_TOKEN.',
    );
  });

  it('reports a 422 on the input images as invalid input, on anything else as goodtake’s bug', async () => {
    const fake = await startFake();
    fake.script(
      {
        createError: {
          status: 422,
          title: 'Input validation failed',
          invalidFields: [
            {
              type: 'format',
              field: 'input.image_input.0',
              description: "Does not match format 'uri'",
            },
          ],
        },
      },
      {
        createError: {
          status: 422,
          title: 'Input validation failed',
          invalidFields: [
            { type: 'enum', field: 'input.size', description: 'size must be one of …' },
          ],
        },
      },
    );
    const { provider, logs } = makeProvider(fake);
    const source = await makeSource(32, 32);
    const first = await provider.generate(makeJob({ sources: [source] }));
    expect(first.ok || first.failure.kind).toBe('invalid_input');
    const second = await provider.generate(makeJob());
    expect(second.ok || second.failure.kind).toBe('unavailable');
    expect(logs.lines.find((l) => l.level === 50)?.msg).toMatch(/fields input\.size/);
  });

  it('downloads the output at once; an output already deleted or removed is an error, not a wait', async () => {
    const fake = await startFake({ outputBytes: 150_000 });
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const ok = await provider.generate(
      makeJob({ size: { kind: 'exact', width: 2560, height: 1440 } }),
    );
    if (!ok.ok) throw new Error(ok.failure.message);
    expect(ok.image.bytes.byteLength).toBeGreaterThanOrEqual(149_000);
    expect(await measure(ok.image.bytes)).toEqual({ width: 2560, height: 1440, format: 'jpeg' });

    fake.script({ expiredOutput: true }, { dataRemoved: true });
    for (let i = 0; i < 2; i++) {
      const gone = await provider.generate(makeJob());
      expect(gone.ok || gone.failure).toEqual({
        kind: 'unavailable',
        message: "The model provider's image could not be retrieved.",
      });
    }
    expect(fake.downloads().map((d) => d.status)).toEqual([200, 404]);
    expect(fake.creates()).toHaveLength(3);
    expect(logs.lines.filter((l) => l.level === 50)).toHaveLength(2);
  });

  it('reports an output removed after its hour (fake clock) as data_removed', async () => {
    let now = Date.now();
    const fake = await startFake({ now: () => now, latencyMs: 20 });
    const { provider } = makeProvider(fake, {
      preferWaitSeconds: 0,
      fetch: async (input, init) => {
        // The poll that sees the prediction done comes more than an hour later.
        if (/\/predictions\/[a-z0-9]+$/.test(String(input))) now += 3_601_000;
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.message).toBe(
      "The model provider's image could not be retrieved.",
    );
  });

  it('classifies create errors and failed predictions', () => {
    const p = (status: number, fields: string[] = []) => ({
      status,
      title: '',
      detail: '',
      fields,
    });
    const d = (x: ReturnType<typeof classifyCreateError>) =>
      x.action === 'retry' ? `retry ${x.exhausted}` : `fail ${x.kind}`;
    expect(d(classifyCreateError(p(429)))).toBe('retry rate_limited');
    expect(d(classifyCreateError(p(500)))).toBe('retry unavailable');
    expect(d(classifyCreateError(p(402)))).toBe('fail unavailable');
    expect(d(classifyCreateError(p(404)))).toBe('fail unavailable');
    expect(d(classifyCreateError(p(422, ['input.image_input.2'])))).toBe('fail invalid_input');
    expect(d(classifyCreateError(p(422, ['input.prompt'])))).toBe('fail unavailable');
    for (const text of [
      'The input or output was flagged as sensitive. Please try again with different inputs. (E005)',
      'OutputImageSensitiveContentDetected: the output image may contain sensitive information',
      'NSFW content detected',
    ]) {
      expect(d(classifyFailedPrediction(text)), text).toBe('fail content_policy');
    }
    expect(d(classifyFailedPrediction('Internal error'))).toBe('fail unavailable');
    expect(
      throttleWaitMs(undefined, 'Request was throttled. Your rate limit resets in ~30s.'),
    ).toBe(30_000);
    expect(throttleWaitMs(4000, 'resets in ~30s')).toBe(4000);
    expect(throttleWaitMs(undefined, 'slow down')).toBeUndefined();
  });
});
