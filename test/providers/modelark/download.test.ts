import { describe, expect, it } from 'vitest';
import { decodeBase64Image } from '../../../src/providers/kit/download.ts';
import { makeJob, makeProvider, measure, startFake } from './helpers.ts';

describe('ModelArk result download', () => {
  it('downloads the signed URL exactly as received', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(
      makeJob({ model: 'seedream-4-0-250828', size: { kind: 'auto', tier: '1K' } }),
    );
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(await measure(outcome.image.bytes)).toEqual({
      width: 1024,
      height: 1024,
      format: 'jpeg',
    });
    const [download] = fake.requests.filter((r) => r.path.startsWith('/tos/'));
    // The fake checks the signature over the decoded credential, which contains %2F escapes.
    expect(download?.status).toBe(200);
  });

  it('reports an expired URL as unavailable, without retrying a 403', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, { maxRetries: 3 });
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:expired_url]]' }));
    expect(outcome).toEqual({
      ok: false,
      // The upstream's id of the request, for the attempt record and the logs.
      upstreamRequestId: expect.any(String),
      failure: { kind: 'unavailable', message: expect.any(String) },
    });
    const downloads = fake.requests.filter((r) => r.path.startsWith('/tos/'));
    expect(downloads.map((d) => d.status)).toEqual([403]);
    const line = logs.lines.find((l) => l.level === 50);
    expect(line?.detail).toBe('HTTP 403');
    // The signature is a credential: only the path is logged.
    expect(String(line?.where)).not.toContain('X-Tos-Signature');
  });

  it('reports an URL that expired before download (fake clock) as unavailable', async () => {
    let now = Date.parse('2026-03-01T00:00:00Z');
    const fake = await startFake({ now: () => now, urlTtlSeconds: 60 });
    const { provider } = makeProvider(fake, {
      fetch: async (input, init) => {
        // Time passes between the reply and the download.
        if (String(input).includes('/tos/')) now += 61_000;
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
  });

  it('refuses unsigned URLs like the storage does', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob({ prompt: 'x [[fake:unsigned_url]]' }));
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
  });

  it('stops at the byte cap', async () => {
    const fake = await startFake({ outputBytes: 300_000 });
    const { provider, logs } = makeProvider(fake, { maxDownloadBytes: 100_000 });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(logs.lines.find((l) => l.level === 50)?.detail).toMatch(/100000-byte cap/);
    // Padded outputs are still real JPEGs of the right size.
    const { provider: roomy } = makeProvider(fake);
    const ok = await roomy.generate(makeJob());
    if (!ok.ok) throw new Error(ok.failure.message);
    expect(ok.image.bytes.byteLength).toBeGreaterThanOrEqual(299_000);
    expect(await measure(ok.image.bytes)).toEqual({ width: 2048, height: 2048, format: 'jpeg' });
  });

  it('downloads at most downloadConcurrency results at once; the others wait their turn', async () => {
    const fake = await startFake();
    let active = 0;
    let peak = 0;
    const { provider } = makeProvider(fake, {
      downloadConcurrency: 2,
      fetch: async (input, init) => {
        if (!String(input).includes('/tos/')) return fetch(input, init);
        active++;
        peak = Math.max(peak, active);
        try {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return await fetch(input, init);
        } finally {
          active--;
        }
      },
    });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, index) => provider.generate(makeJob({ index }))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(peak).toBe(2);
  });

  it('retries a download that failed with a 5xx (the image is already paid for)', async () => {
    const fake = await startFake();
    let downloads = 0;
    const { provider, waits } = makeProvider(fake, {
      fetch: async (input, init) => {
        if (String(input).includes('/tos/') && downloads++ === 0)
          return new Response('busy', { status: 503 });
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok).toBe(true);
    expect(downloads).toBe(2);
    expect(waits).toHaveLength(1);
    expect(fake.generations()).toHaveLength(1);
  });

  it('times out a stalled download', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake, {
      downloadTimeoutMs: 100,
      maxRetries: 0,
      fetch: async (input, init) => {
        if (!String(input).includes('/tos/')) return fetch(input, init);
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new Uint8Array([0xff, 0xd8]));
              init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
            },
          }),
        );
      },
    });
    const started = Date.now();
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a download that is not an image', async () => {
    const fake = await startFake();
    const { provider, logs } = makeProvider(fake, {
      fetch: async (input, init) => {
        if (String(input).includes('/tos/')) return new Response('<html>captive portal</html>');
        return fetch(input, init);
      },
    });
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('unavailable');
    expect(logs.lines.find((l) => l.level === 50)?.detail).toBe('the bytes are not an image');
  });

  it('decodes b64_json, tolerating a data: prefix, under the cap', () => {
    const b64 = Buffer.from('hello').toString('base64');
    expect(decodeBase64Image(b64, 100)).toEqual({ ok: true, bytes: Buffer.from('hello') });
    expect(decodeBase64Image(`data:image/jpeg;base64,${b64}`, 100)).toEqual({
      ok: true,
      bytes: Buffer.from('hello'),
    });
    expect(decodeBase64Image(b64, 3)).toMatchObject({ ok: false, retryable: false });
    expect(decodeBase64Image('', 100)).toMatchObject({ ok: false });
  });
});
