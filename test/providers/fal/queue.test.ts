import { describe, expect, it } from 'vitest';
import { eventually, makeJob } from '../helpers.ts';
import { makeProvider, startFake } from './helpers.ts';

describe('fal.ai queue: following, cancelling, timing out', () => {
  it.each(['app', 'full'] as const)(
    'follows the URLs of the submit reply, whichever path shape (%s)',
    async (pathShape) => {
      const fake = await startFake({ pathShape });
      const { provider } = makeProvider(fake);
      expect((await provider.generate(makeJob())).ok).toBe(true);
      const prefix =
        pathShape === 'app'
          ? '/fal-ai/bytedance/requests/'
          : '/fal-ai/bytedance/seedream/v4.5/text-to-image/requests/';
      expect(fake.statusPolls().every((r) => r.path.startsWith(prefix))).toBe(true);
      expect(fake.results()[0]?.path.startsWith(prefix)).toBe(true);
    },
  );

  it('polls while the request waits in the queue and runs, then fetches the result once', async () => {
    const fake = await startFake();
    fake.script({ queueMs: 150, latencyMs: 100, queuePosition: 4 });
    const { provider } = makeProvider(fake);
    expect((await provider.generate(makeJob())).ok).toBe(true);
    const statuses = fake.statusPolls().map((r) => r.status);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(2);
    expect(statuses.at(-1)).toBe(200);
    expect(fake.results()).toHaveLength(1);
  });

  it('finds the status and cancel URLs from response_url when a reply leaves them out', async () => {
    const fake = await startFake();
    fake.script({ omit: ['status_url', 'cancel_url'], latencyMs: 2000 });
    const { provider } = makeProvider(fake);
    const controller = new AbortController();
    const job = provider.generate(makeJob({ signal: controller.signal }));
    await eventually(() => fake.statusPolls().length > 0);
    controller.abort();
    const outcome = await job;
    expect(outcome.ok || outcome.failure.message).toBe('The generation was cancelled.');
    expect(fake.cancels().map((r) => [r.method, r.status])).toEqual([['PUT', 202]]);
  });

  it.each(['accepted', 'success'] as const)(
    'cancels the fal request when the job is abandoned (cancel reply: %s)',
    async (cancelReply) => {
      const fake = await startFake({ cancelReply });
      const { provider, logs } = makeProvider(fake);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const outcome = await provider.generate(
        makeJob({ prompt: 'slow [[fake:latency_ms=5000]]', signal: controller.signal }),
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(outcome).toEqual({
        ok: false,
        failure: { kind: 'unavailable', message: 'The generation was cancelled.' },
      });
      expect(fake.cancels().map((r) => r.status)).toEqual([cancelReply === 'success' ? 200 : 202]);
      expect(fake.results()).toHaveLength(0);
      expect(logs.lines.some((l) => l.msg === 'fal.ai request cancelled')).toBe(true);
    },
  );

  it('returns at once when abandoned during the submission, and cancels what fal queued', async () => {
    const fake = await startFake();
    const controller = new AbortController();
    const { provider } = makeProvider(fake, {
      fetch: async (input, init) => {
        if (init?.method === 'POST') controller.abort();
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(
      makeJob({ prompt: 'slow [[fake:latency_ms=5000]]', signal: controller.signal }),
    );
    expect(outcome.ok || outcome.failure.message).toBe('The generation was cancelled.');
    // The job returned at once; the request is cancelled as soon as the submission answers.
    await eventually(() => fake.cancels().length === 1);
    expect(fake.submissions()).toHaveLength(1);
  });

  it('sends nothing for a job abandoned before it starts', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const controller = new AbortController();
    controller.abort();
    expect((await provider.generate(makeJob({ signal: controller.signal }))).ok).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('times out a request that does not finish, cancels it, and does not submit again', async () => {
    const fake = await startFake();
    const { provider, backoffs } = makeProvider(fake, { requestTimeoutMs: 200, maxRetries: 3 });
    const started = Date.now();
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:queue_ms=5000]]' }));
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'timeout', message: 'The model provider did not answer in time.' },
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.submissions()).toHaveLength(1);
    expect(fake.cancels()).toHaveLength(1);
    expect(backoffs()).toEqual([]);
  });

  it('rides out status polls that fail for a while', async () => {
    const fake = await startFake();
    fake.script({ statusErrors: 3, latencyMs: 20 });
    const { provider } = makeProvider(fake);
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(
      fake
        .statusPolls()
        .slice(0, 3)
        .map((r) => r.status),
    ).toEqual([503, 503, 503]);
  });

  it('gives up, and cancels, when status polls keep failing', async () => {
    const fake = await startFake();
    fake.script({ statusErrors: 50, latencyMs: 5000 });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(fake.statusPolls()).toHaveLength(5);
    expect(fake.cancels()).toHaveLength(1);
  });

  it('reads a FAILED status like COMPLETED: the result carries the error', async () => {
    const fake = await startFake();
    fake.script({
      failedStatus: true,
      fail: {
        status: 422,
        type: 'content_policy_violation',
        loc: ['body', 'prompt'],
        retryable: false,
      },
    });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: {
        kind: 'content_policy',
        message: 'The model provider refused the prompt under its content policy.',
      },
    });
    expect(fake.statusPolls().at(-1)?.status).toBe(200);
  });

  it('cancels a job abandoned between two status polls', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const controller = new AbortController();
    const job = provider.generate(
      makeJob({ prompt: 'slow [[fake:latency_ms=5000]]', signal: controller.signal }),
    );
    await eventually(() => fake.statusPolls().length >= 2);
    controller.abort();
    expect((await job).ok).toBe(false);
    expect(fake.cancels()).toHaveLength(1);
  });
});
