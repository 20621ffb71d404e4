import { describe, expect, it } from 'vitest';
import { createMemoryThroughputGuard } from '../../../src/providers/kit/memory-throughput-guard.ts';
import { makeJob, makeProvider, startFake } from './helpers.ts';

/** A manual clock whose sleep advances time. */
function manualClock(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

describe('memory throughput guard', () => {
  it('admits the limit at once, then queues until the window has room', async () => {
    const clock = manualClock();
    const guard = createMemoryThroughputGuard({
      limitFor: () => 3,
      maxQueueMs: 60_000,
      now: clock.now,
      sleep: clock.sleep,
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) expect(await guard.acquire('m', signal)).toEqual({ ok: true });
    expect(clock.waits).toEqual([]);
    clock.advance(10_000);
    expect(await guard.acquire('m', signal)).toEqual({ ok: true });
    // The first grant leaves the window 60 s after it was made.
    expect(clock.waits).toEqual([50_000]);
  });

  it('refuses with retryAfter when the wait would exceed maxQueueMs', async () => {
    const clock = manualClock();
    const guard = createMemoryThroughputGuard({
      limitFor: () => 2,
      maxQueueMs: 5_000,
      now: clock.now,
      sleep: clock.sleep,
    });
    const signal = new AbortController().signal;
    await guard.acquire('m', signal);
    clock.advance(1_500);
    await guard.acquire('m', signal);
    clock.advance(54_000);
    // The window frees at 60 s; we are at 55.5 s, so 4.5 s of queueing is within 5 s.
    expect(await guard.acquire('m', signal)).toEqual({ ok: true });
    expect(clock.waits).toEqual([4_500]);
    // At 60 s the second grant (1.5 s) frees at 61.5 s: 1.5 s of queueing.
    expect(await guard.acquire('m', signal)).toEqual({ ok: true });
    expect(clock.waits).toEqual([4_500, 1_500]);
    // Now at 61.5 s, the window holds grants at 60 s and 61.5 s: 58.5 s away, too long.
    expect(await guard.acquire('m', signal)).toEqual({ ok: false, retryAfter: 59 });
  });

  it('serves queued waiters in order without overshooting the limit', async () => {
    const clock = manualClock();
    const slept: number[] = [];
    const guard = createMemoryThroughputGuard({
      limitFor: () => 2,
      maxQueueMs: 200_000,
      now: clock.now,
      // Concurrent waiters: time does not move while they are queued.
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    const signal = new AbortController().signal;
    const results = await Promise.all(Array.from({ length: 6 }, () => guard.acquire('m', signal)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(slept).toEqual([60_000, 60_000, 120_000, 120_000]);
  });

  it('keeps models apart and can be turned off', async () => {
    const clock = manualClock();
    const guard = createMemoryThroughputGuard({
      limitFor: (m) => (m === 'off' ? 0 : 1),
      maxQueueMs: 0,
      now: clock.now,
      sleep: clock.sleep,
    });
    const signal = new AbortController().signal;
    expect(await guard.acquire('a', signal)).toEqual({ ok: true });
    expect(await guard.acquire('b', signal)).toEqual({ ok: true });
    expect(await guard.acquire('a', signal)).toEqual({ ok: false, retryAfter: 60 });
    for (let i = 0; i < 1000; i++) expect((await guard.acquire('off', signal)).ok).toBe(true);
  });

  it('gives the slot back when the waiter is aborted', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const guard = createMemoryThroughputGuard({
      limitFor: () => 1,
      maxQueueMs: 120_000,
      now: clock.now,
      sleep: async () => controller.abort(),
    });
    expect(await guard.acquire('m', new AbortController().signal)).toEqual({ ok: true });
    expect((await guard.acquire('m', controller.signal)).ok).toBe(false);
    // The aborted reservation (at +60 s) is gone: the next waiter gets it, not +120 s.
    const waits: number[] = [];
    const again = createMemoryThroughputGuard({
      limitFor: () => 1,
      maxQueueMs: 60_000,
      now: clock.now,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await again.acquire('m', new AbortController().signal)).toEqual({ ok: true });
    expect(waits).toEqual([]);
  });
});

describe('ModelArk provider throughput guard', () => {
  it('queues briefly, then refuses with rate_limited and retryAfter instead of calling upstream', async () => {
    const fake = await startFake();
    const clock = manualClock(Date.now());
    const { provider } = makeProvider(fake, {
      imagesPerMinute: { 'seedream-4-5-251128': 2 },
      maxQueueMs: 1_000,
      now: clock.now,
      sleep: clock.sleep,
    });
    expect((await provider.generate(makeJob())).ok).toBe(true);
    clock.advance(59_500);
    expect((await provider.generate(makeJob())).ok).toBe(true);
    // Full; the first slot frees in 0.5 s, within maxQueueMs: queued, then admitted.
    expect((await provider.generate(makeJob())).ok).toBe(true);
    expect(clock.waits).toContain(500);
    const refused = await provider.generate(makeJob());
    expect(refused).toEqual({
      ok: false,
      failure: { kind: 'rate_limited', message: expect.any(String), retryAfter: 60 },
    });
    expect(fake.generations()).toHaveLength(3);
    // The other model has its own budget (the default, 500).
    expect((await provider.generate(makeJob({ model: 'seedream-4-0-250828' }))).ok).toBe(true);
  });

  it('uses a guard passed in', async () => {
    const fake = await startFake();
    const seen: string[] = [];
    const { provider } = makeProvider(fake, {
      guard: {
        acquire: async (model) => {
          seen.push(model);
          return { ok: false, retryAfter: 7 };
        },
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure).toEqual({
      kind: 'rate_limited',
      message: expect.any(String),
      retryAfter: 7,
    });
    expect(seen).toEqual(['seedream-4-5-251128']);
    expect(provider.describe()).toMatch(/a custom throughput guard\)$/);
    expect(fake.generations()).toHaveLength(0);
  });
});
