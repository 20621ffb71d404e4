import { describe, expect, it } from 'vitest';
import { fullJitterMs, parseRetryAfterMs } from '../../../src/providers/kit/backoff.ts';
import { closedPort } from '../helpers.ts';
import { makeJob, makeProvider, startFake } from './helpers.ts';

/** A port nothing listens on. */
describe('ModelArk retries', () => {
  it('retries 429s with capped exponential full-jitter backoff, then succeeds', async () => {
    const fake = await startFake();
    fake.script({ status: 429, code: 'ServerOverloaded', times: 4 });
    const { provider, waits } = makeProvider(fake, {
      maxRetries: 5,
      retryBaseMs: 1000,
      retryMaxMs: 5000,
      random: () => 0.999,
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok).toBe(true);
    expect(fake.generations()).toHaveLength(5);
    // Ceilings 1000, 2000, 4000, then capped at 5000; full jitter takes random() of each.
    expect(waits).toEqual([999, 1998, 3996, 4995]);
  });

  it('draws each wait uniformly below the ceiling', async () => {
    const fake = await startFake();
    fake.script({ status: 500, code: 'InternalServiceError', times: 3 });
    const randoms = [0, 0.5, 0.25];
    const { provider, waits } = makeProvider(fake, {
      maxRetries: 3,
      retryBaseMs: 400,
      retryMaxMs: 10_000,
      random: () => randoms.shift() ?? 0,
    });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(waits).toEqual([0, 400, 400]);
    expect(fullJitterMs(10, 400, 10_000, () => 0.5)).toBe(5000);
  });

  it('waits at least Retry-After', async () => {
    const fake = await startFake();
    const { provider, waits } = makeProvider(fake, {
      retryBaseMs: 100,
      retryMaxMs: 5000,
      random: () => 0.5,
    });
    const outcome = await provider.generate(
      makeJob({
        prompt:
          'a fox [[fake:status=429,code=ModelAccountIpmRateLimitExceeded,retry_after=2,times=2]]',
      }),
    );
    expect(outcome.ok).toBe(true);
    expect(waits).toEqual([2000, 2000]);
    expect(fake.generations()).toHaveLength(3);
  });

  it('gives up at once, passing Retry-After on, when it is longer than the backoff cap', async () => {
    const fake = await startFake();
    fake.script({ status: 429, code: 'ModelAccountIpmRateLimitExceeded', retryAfter: 45 });
    const { provider, waits } = makeProvider(fake, { retryMaxMs: 10_000 });
    const outcome = await provider.generate(makeJob());
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: { kind: 'rate_limited', message: expect.any(String), retryAfter: 45 },
    });
    expect(waits).toEqual([]);
    expect(fake.generations()).toHaveLength(1);
  });

  it('reports rate_limited with a retryAfter once retries are used up', async () => {
    const fake = await startFake();
    fake.script({ status: 429, code: 'ModelAccountIpmRateLimitExceeded', times: 10 });
    const { provider, waits } = makeProvider(fake, {
      maxRetries: 3,
      retryBaseMs: 1000,
      retryMaxMs: 8000,
    });
    const outcome = await provider.generate(makeJob());
    if (outcome.ok) throw new Error('expected a failure');
    expect(outcome.failure.kind).toBe('rate_limited');
    // The next ceiling would have been 8 s.
    expect(outcome.failure.retryAfter).toBe(8);
    expect(waits).toHaveLength(3);
    expect(fake.generations()).toHaveLength(4);
  });

  it('reports unavailable after repeated 5xx', async () => {
    const fake = await startFake();
    fake.script({ status: 500, code: 'InternalServiceError', times: 10 });
    const { provider } = makeProvider(fake, { maxRetries: 1 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.generations()).toHaveLength(2);
  });

  it('does not retry a timeout: the upstream may be generating (and billing) the image', async () => {
    const fake = await startFake();
    const { provider, waits } = makeProvider(fake, { requestTimeoutMs: 150, maxRetries: 3 });
    const started = Date.now();
    const outcome = await provider.generate(makeJob({ prompt: 'slow [[fake:latency_ms=1500]]' }));
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'timeout', message: expect.any(String) },
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fake.generations()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('does not retry a connection dropped after the request was sent', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:drop]]' }));
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.generations()).toHaveLength(1);
  });

  it('does not retry a 200 it cannot read', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:malformed]]' }));
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.generations()).toHaveLength(1);
    expect(logs.lines.some((l) => l.level === 50)).toBe(true);
  });

  it('retries a refused connection: the request never left', async () => {
    const port = await closedPort();
    let calls = 0;
    const fake = await startFake();
    const { provider, waits } = makeProvider(fake, {
      baseUrl: `http://127.0.0.1:${port}/api/v3`,
      maxRetries: 2,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('stops retrying when the job is aborted during a backoff', async () => {
    const fake = await startFake();
    fake.script({ status: 500, code: 'InternalServiceError', times: 10 });
    const controller = new AbortController();
    const { provider } = makeProvider(fake, {
      maxRetries: 5,
      sleep: async () => controller.abort(),
    });
    const outcome = await provider.generate(makeJob({ signal: controller.signal }));
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(outcome.ok || outcome.failure.message).toMatch(/cancelled/);
    expect(fake.generations()).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('1.5', now)).toBe(1500);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('honours an HTTP-date Retry-After against the injected clock', async () => {
    const fake = await startFake();
    const now = Date.parse('2026-01-01T00:00:00Z');
    fake.script({
      status: 429,
      code: 'ModelAccountIpmRateLimitExceeded',
      headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' },
    });
    const { provider, waits } = makeProvider(fake, { now: () => now, random: () => 0 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(waits).toEqual([3000]);
  });
});
