import { describe, expect, it } from 'vitest';
import { realSleep } from '../../../src/providers/kit/sleep.ts';
import { eventually } from '../helpers.ts';
import { makeJob, makeProvider, startFake } from './helpers.ts';

describe('ModelArk job cancellation', () => {
  // Through a fetch that records the signal it was given, and through the default undici client.
  it.each(['fetch client', 'undici client'] as const)(
    'aborts the upstream request when the job signal aborts (%s)',
    async (client) => {
      const fake = await startFake();
      const signals: AbortSignal[] = [];
      const { provider } = makeProvider(
        fake,
        client === 'fetch client'
          ? {
              fetch: (input, init) => {
                if (init?.signal) signals.push(init.signal);
                return fetch(input, init);
              },
            }
          : {},
      );
      const controller = new AbortController();
      const started = Date.now();
      const job = provider.generate(
        makeJob({ prompt: 'slow [[fake:latency_ms=3000]]', signal: controller.signal }),
      );
      // Abort once the upstream has the request (a fixed delay races a loaded machine).
      await eventually(() => fake.generations().length === 1);
      controller.abort();
      const outcome = await job;
      expect(Date.now() - started).toBeLessThan(1500);
      expect(outcome).toEqual({
        ok: false,
        failure: { kind: 'unavailable', message: 'The generation was cancelled.' },
      });
      if (client === 'fetch client') expect(signals[0]?.aborted).toBe(true);
      expect(fake.generations()).toHaveLength(1);
    },
  );

  it('sends nothing for a job aborted before it starts', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const controller = new AbortController();
    controller.abort();
    const outcome = await provider.generate(makeJob({ signal: controller.signal }));
    expect(outcome.ok).toBe(false);
    expect(fake.generations()).toHaveLength(0);
  });

  it('leaves the guard queue when aborted while waiting', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, {
      imagesPerMinute: 1,
      maxQueueMs: 60_000,
      sleep: realSleep,
    });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await provider.generate(makeJob({ signal: controller.signal }));
    expect(outcome.ok || outcome.failure.message).toBe('The generation was cancelled.');
    expect(fake.generations()).toHaveLength(1);
  });

  it('aborts a download in progress', async () => {
    const fake = await startFake();
    const controller = new AbortController();
    const { provider } = makeProvider(fake, {
      fetch: async (input, init) => {
        if (!String(input).includes('/tos/')) return fetch(input, init);
        controller.abort();
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob({ signal: controller.signal }));
    expect(outcome.ok || outcome.failure.message).toBe('The generation was cancelled.');
  });
});
