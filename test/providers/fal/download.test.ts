import { describe, expect, it } from 'vitest';
import { makeJob, measure } from '../helpers.ts';
import { makeProvider, startFake } from './helpers.ts';

describe('fal.ai outputs', () => {
  it('downloads the output at once into bytes of the size the fake claims', async () => {
    const fake = await startFake({ outputBytes: 200_000 });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(
      makeJob({ size: { kind: 'exact', width: 2560, height: 1440 } }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(outcome.image.bytes.byteLength).toBeGreaterThanOrEqual(199_000);
    expect(await measure(outcome.image.bytes)).toEqual({
      width: 2560,
      height: 1440,
      format: 'jpeg',
    });
  });

  it('reports an output already gone from the CDN as unavailable, without retrying a 404', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:expired_output]]' }));
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: {
        kind: 'unavailable',
        message: "The model provider's image could not be retrieved.",
      },
    });
    expect(fake.downloads().map((d) => d.status)).toEqual([404]);
    expect(fake.submissions()).toHaveLength(1);
    expect(logs.lines.find((l) => l.level === 50)?.detail).toBe('HTTP 404');
  });

  it('reports an output that expired before its download (fake clock) as unavailable', async () => {
    let now = Date.now();
    const fake = await startFake({ now: () => now, fileTtlSeconds: 60 });
    const { provider } = makeProvider(fake, {
      fetch: async (input, init) => {
        if (String(input).includes('/files/')) now += 61_000;
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
  });

  it('stops at the byte cap', async () => {
    const fake = await startFake({ outputBytes: 300_000 });
    const { provider, logs } = makeProvider(fake, { maxDownloadBytes: 100_000 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(logs.lines.find((l) => l.level === 50)?.detail).toMatch(/100000-byte cap/);
  });
});
