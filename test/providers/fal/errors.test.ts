import { describe, expect, it } from 'vitest';
import { classifyFalError } from '../../../src/providers/fal/errors.ts';
import type { FalError } from '../../../src/providers/fal/wire.ts';
import { closedPort, makeJob, makeSource } from '../helpers.ts';
import { makeProvider, startFake } from './helpers.ts';

describe('fal.ai errors', () => {
  it('reports a content-policy refusal as final: one submission, no retry', async () => {
    const fake = await startFake();
    const { provider, backoffs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:content_policy]]' }));
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: {
        kind: 'content_policy',
        message: 'The model provider refused the prompt under its content policy.',
      },
    });
    expect(fake.submissions()).toHaveLength(1);
    expect(fake.results().map((r) => r.status)).toEqual([422]);
    expect(backoffs()).toEqual([]);
  });

  it('says which part was refused: an input image, or the output', async () => {
    const fake = await startFake();
    fake.script(
      {
        fail: {
          status: 422,
          type: 'content_policy_violation',
          loc: ['body', 'image_urls', 0],
          retryable: false,
        },
      },
      { fail: { status: 422, type: 'content_policy_violation', loc: ['body'], retryable: false } },
      { nsfw: true },
    );
    const { provider } = makeProvider(fake);
    const source = await makeSource(32, 32);
    const messages = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await provider.generate(makeJob({ sources: [source] }));
      messages.push(outcome.ok ? 'ok' : `${outcome.failure.kind}: ${outcome.failure.message}`);
    }
    expect(messages).toEqual([
      'content_policy: The model provider refused an input image under its content policy.',
      'content_policy: The model provider refused the prompt, an input image or the generated image under its content policy.',
      'content_policy: The model provider blocked the generated image under its content policy.',
    ]);
  });

  it('reports an input fal could not load as invalid input', async () => {
    const fake = await startFake();
    fake.script({
      fail: {
        status: 422,
        type: 'image_load_error',
        loc: ['body', 'image_urls', 0],
        retryable: false,
      },
    });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob({ sources: [await makeSource(32, 32)] }));
    expect(outcome.ok || outcome.failure).toEqual({
      kind: 'invalid_input',
      message: 'The model provider could not use an input image.',
    });
  });

  it('submits again when the result is a failure fal marks retryable, then succeeds', async () => {
    const fake = await startFake();
    fake.script({
      fail: { status: 500, type: 'internal_server_error', retryable: true },
      times: 2,
    });
    const { provider, backoffs } = makeProvider(fake, { maxRetries: 3, retryBaseMs: 1000 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(fake.submissions()).toHaveLength(3);
    // Full jitter at random() = 0.5 of ceilings 1000 and 2000.
    expect(backoffs()).toEqual([500, 1000]);
  });

  it('does not retry a 5xx fal marks not retryable', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(
      makeJob({ prompt: 'x [[fake:fail=500,retryable=false]]' }),
    );
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.submissions()).toHaveLength(1);
    expect(logs.lines.some((l) => l.level === 50)).toBe(true);
  });

  it('retries a throttled submission after Retry-After, and reports rate_limited when it persists', async () => {
    const fake = await startFake();
    fake.script({ submitError: { status: 429, retryable: true, retryAfter: 2 }, times: 2 });
    const { provider, backoffs } = makeProvider(fake, { maxRetries: 3 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(backoffs()).toEqual([2000, 2000]);
    expect(fake.submissions()).toHaveLength(3);

    fake.script({ submitError: { status: 429 }, times: 10 });
    const second = makeProvider(fake, { maxRetries: 2, retryBaseMs: 1000, retryMaxMs: 8000 });
    const outcome = await second.provider.generate(makeJob());
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'rate_limited', message: expect.any(String), retryAfter: 4 },
    });
    expect(fake.submissions()).toHaveLength(6);
  });

  it('gives up at once when Retry-After is longer than the backoff cap', async () => {
    const fake = await startFake();
    fake.script({ submitError: { status: 503, retryable: true, retryAfter: 90 } });
    const { provider } = makeProvider(fake, { retryMaxMs: 10_000 });
    const outcome = await provider.generate(makeJob());
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'unavailable', message: expect.any(String), retryAfter: 90 },
    });
    expect(fake.submissions()).toHaveLength(1);
  });

  it('reports a rejected key as a configuration problem, with a hint for the operator', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { apiKey: 'wrong' });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure).toEqual({
      kind: 'unavailable',
      message: 'The model provider is unavailable because of a configuration problem.',
    });
    expect(logs.lines.find((l) => l.level === 50)?.msg).toBe(
      'fal.ai: fal.ai rejected the key: check FAL_KEY.',
    );
    expect(fake.requests.map((r) => r.status)).toEqual([401]);
  });

  it('does not submit again after a connection cut once the request was sent', async () => {
    const fake = await startFake();
    fake.script({ drop: true });
    const { provider } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.submissions()).toHaveLength(1);
  });

  it('retries a refused connection: nothing was queued', async () => {
    const port = await closedPort();
    const fake = await startFake();
    let calls = 0;
    const { provider, backoffs } = makeProvider(fake, {
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 2,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(calls).toBe(3);
    expect(backoffs()).toHaveLength(2);
  });

  it('reports a result it cannot read, and an output without an image, as unavailable', async () => {
    const fake = await startFake();
    fake.script({ malformedResult: true }, { noImages: true });
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    for (let i = 0; i < 2; i++) {
      const outcome = await provider.generate(makeJob());
      expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    }
    expect(fake.submissions()).toHaveLength(2);
    expect(
      logs.lines.filter((l) => l.msg === 'fal.ai request failed').map((l) => l.detail),
    ).toEqual(['reply is not a Seedream output', 'the output has no image']);
  });

  it('classifies every kind of fal error', () => {
    const e = (over: Partial<FalError>): FalError => ({
      status: 500,
      types: [],
      locs: [],
      message: '',
      falShaped: true,
      ...over,
    });
    const rows: Array<[Partial<FalError>, string]> = [
      [
        { status: 422, types: ['content_policy_violation'], retryable: true },
        'fail content_policy',
      ],
      [{ status: 422, types: ['image_too_small'] }, 'fail invalid_input'],
      [{ status: 422, types: ['file_download_error'] }, 'fail invalid_input'],
      [{ status: 422, types: ['missing'] }, 'fail unavailable'],
      [{ status: 400 }, 'fail unavailable'],
      [{ status: 500 }, 'retry unavailable'],
      [{ status: 503, retryable: false }, 'fail unavailable'],
      [{ status: 504, types: ['generation_timeout'], retryable: false }, 'fail timeout'],
      [{ status: 504 }, 'retry unavailable'],
      [{ status: 429 }, 'retry rate_limited'],
      [{ status: 429, retryable: false }, 'fail rate_limited'],
      [{ status: 400, retryable: true }, 'retry unavailable'],
      [{ status: 401 }, 'fail unavailable'],
      [{ status: 403 }, 'fail unavailable'],
      [{ status: 404 }, 'fail unavailable'],
    ];
    for (const [input, expected] of rows) {
      const d = classifyFalError(e(input));
      const got = d.action === 'retry' ? `retry ${d.exhausted}` : `fail ${d.kind}`;
      expect(got, JSON.stringify(input)).toBe(expected);
    }
  });
});
