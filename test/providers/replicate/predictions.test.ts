import { describe, expect, it } from 'vitest';
import { eventually, makeJob } from '../helpers.ts';
import { makeProvider, startFake } from './helpers.ts';

describe('Replicate predictions: waiting, polling, cancelling, timing out', () => {
  it('polls urls.get when Prefer: wait ends before the prediction does', async () => {
    const fake = await startFake();
    fake.script({ queueMs: 100, latencyMs: 1500 });
    const { provider } = makeProvider(fake, { preferWaitSeconds: 1 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(fake.creates().map((c) => c.status)).toEqual([201]);
    const polls = fake.polls();
    expect(polls.length).toBeGreaterThan(1);
    expect(polls.every((p) => /^\/v1\/predictions\/[a-z0-9]+$/.test(p.path))).toBe(true);
  });

  it('polls from the start without Prefer: wait, and follows Location when the object has no urls', async () => {
    const fake = await startFake();
    fake.script({ latencyMs: 50, omitUrls: true });
    const { provider } = makeProvider(fake, { preferWaitSeconds: 0 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(fake.creates()[0]?.headers.prefer).toBeUndefined();
    expect(fake.polls().length).toBeGreaterThan(0);
  });

  it('reads an output given as one URI string', async () => {
    const fake = await startFake();
    fake.script({ outputAsString: true });
    const { provider } = makeProvider(fake);
    expect((await provider.generate(makeJob())).ok).toBe(true);
  });

  it('cancels the prediction when the job is abandoned while polling', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { preferWaitSeconds: 0 });
    const controller = new AbortController();
    const job = provider.generate(
      makeJob({ prompt: 'slow [[fake:latency_ms=5000]]', signal: controller.signal }),
    );
    await eventually(() => fake.polls().length >= 2);
    controller.abort();
    expect(await job).toEqual({
      ok: false,
      failure: { kind: 'unavailable', message: 'The generation was cancelled.' },
    });
    expect(fake.cancels().map((c) => [c.method, c.status])).toEqual([['POST', 200]]);
    expect(logs.lines.some((l) => l.msg === 'Replicate prediction cancelled')).toBe(true);
  });

  it('returns at once when abandoned during Prefer: wait, and cancels once the create answers', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, { preferWaitSeconds: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const outcome = await provider.generate(
      makeJob({ prompt: 'slow [[fake:latency_ms=5000]]', signal: controller.signal }),
    );
    expect(Date.now() - started).toBeLessThan(800);
    expect(outcome.ok || outcome.failure.message).toBe('The generation was cancelled.');
    await eventually(() => fake.cancels().length === 1);
    const id = fake.cancels()[0]?.path.split('/')[3];
    const state = (await (
      await fetch(`${fake.url}/predictions/${id}`, {
        headers: { authorization: `Bearer ${fake.apiToken}` },
      })
    ).json()) as { status: string };
    expect(state.status).toBe('canceled');
  });

  it('sends nothing for a job abandoned before it starts', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const controller = new AbortController();
    controller.abort();
    expect((await provider.generate(makeJob({ signal: controller.signal }))).ok).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('times out, cancels, and does not create again', async () => {
    const fake = await startFake();
    const { provider, backoffs } = makeProvider(fake, {
      requestTimeoutMs: 300,
      preferWaitSeconds: 0,
    });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:latency_ms=5000]]' }));
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'timeout', message: 'The model provider did not answer in time.' },
    });
    expect(fake.creates()).toHaveLength(1);
    // Cancelled at once, or as soon as a create still in flight at the deadline answers.
    await eventually(() => fake.cancels().length === 1);
    expect(backoffs()).toEqual([]);
  });

  it('reports predictions stopped by their Cancel-After deadline (aborted, canceled) as timeouts', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const fake = await startFake({ now: () => now });
    const { provider } = makeProvider(fake, { requestTimeoutMs: 5000, preferWaitSeconds: 0 });
    const scripts = {
      aborted: { queueMs: 10_000 },
      canceled: { queueMs: 1000, latencyMs: 10_000 },
    };
    for (const [expected, script] of Object.entries(scripts)) {
      fake.script(script);
      const job = provider.generate(makeJob());
      await eventually(() => fake.polls().length > 0);
      now += 6000;
      const outcome = await job;
      expect(outcome.ok || outcome.failure.kind, expected).toBe('timeout');
      const last = fake.polls().at(-1);
      const seen = (await (
        await fetch(`${fake.origin}${last?.path}`, {
          headers: { authorization: `Bearer ${fake.apiToken}` },
        })
      ).json()) as { status: string };
      expect(seen.status).toBe(expected);
      fake.reset();
    }
  });

  it('rides out polls that fail for a while', async () => {
    const fake = await startFake();
    fake.script({ latencyMs: 50, pollErrors: 3 });
    const { provider } = makeProvider(fake, { preferWaitSeconds: 0 });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(
      fake
        .polls()
        .slice(0, 3)
        .map((p) => p.status),
    ).toEqual([503, 503, 503]);
  });

  it('gives up, and cancels, when polls keep failing', async () => {
    const fake = await startFake();
    fake.script({ latencyMs: 5000, pollErrors: 50, pollErrorCode: 502 });
    const { provider } = makeProvider(fake, { preferWaitSeconds: 0 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.polls()).toHaveLength(5);
    expect(fake.cancels()).toHaveLength(1);
  });
});
