import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, type ServerProcess, startServerProcess } from './helpers/processes.ts';

/*
 * A client that does what docs/api.md advises: it sends an Idempotency-Key, the server dies
 * (SIGKILL) mid-generation, and the client retries with the same key and body. The retry gets
 * what the first attempt delivered, charged once; or, when it delivered nothing, one new run.
 */

const dir = mkdtempSync(join(tmpdir(), 'goodtake-crash-idem-'));
const env = {
  GOODTAKE_DATA_DIR: dir,
  GOODTAKE_OFFLINE_DELAY_MS: '200',
  // Long enough that a busy machine still kills the server mid-generation.
  GOODTAKE_GENERATION_TIMEOUT_MS: '15000',
  GOODTAKE_RESERVATION_LEASE_MS: '16000',
  GOODTAKE_STARTING_CREDITS: '1000',
  GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
  GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
};
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const PRICE = 4; // seedream-4-5-251128
const PARTIAL = { prompt: 'half [[offline:delay-index=1:60000]]', number_of_images: 2, size: '1K' };
const NOTHING = { prompt: 'none [[offline:delay-index=0:60000]]', number_of_images: 1, size: '1K' };

describe('an Idempotency-Key retried after the server was killed', () => {
  it('replays the images the first attempt stored, charged once; reruns one that stored none', {
    timeout: 120_000,
  }, async () => {
    server = await startServerProcess(env);
    const key = /gt_[A-Za-z0-9]{40}/.exec(server.stderr())![0];
    const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
    const send = (body: object, idempotencyKey: string) =>
      fetch(`${server!.url}/api/v1/bytedance/generate-image`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': idempotencyKey,
        },
        body: JSON.stringify(body),
      });
    const balance = async () =>
      JSON.parse((await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout);

    const first = [
      send(PARTIAL, 'crash-partial').catch(() => undefined),
      send(NOTHING, 'crash-nothing').catch(() => undefined),
    ];
    // Kill once both generations are pending and PARTIAL's first image is stored (read over
    // HTTP: much quicker than a CLI process on a busy machine).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${server.url}/api/v1/generations`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      const { generations } = (await res.json()).data as {
        generations: Array<{ status: string; number_of_images: number; images: unknown[] }>;
      };
      const pending = generations.filter((g) => g.status === 'pending');
      const stored = pending.find((g) => g.number_of_images === 2)?.images.length ?? 0;
      if (pending.length === 2 && stored === 1) break;
      if (Date.now() > deadline) throw new Error('generations did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop('SIGKILL');
    expect(await Promise.all(first)).toEqual([undefined, undefined]);
    expect(await balance()).toMatchObject({ balance: 1000, reserved: 3 * PRICE });

    // The restarted server ignores the markers, so a rerun is quick. Retries wait for the
    // dead attempt's claim to lapse, then get what its generation came to.
    server = await startServerProcess({ ...env, GOODTAKE_OFFLINE_TEST_MARKERS: 'false' });
    const [partial, nothing] = await Promise.all([
      send(PARTIAL, 'crash-partial'),
      send(NOTHING, 'crash-nothing'),
    ]);

    expect(partial.status).toBe(200);
    expect(partial.headers.get('idempotent-replayed')).toBe('true');
    const replayed = (await partial.json()).data;
    expect(replayed.images).toHaveLength(1);
    expect(replayed.credits_used).toBe(PRICE);
    const image = await fetch(replayed.images[0].url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    await image.arrayBuffer();

    expect(nothing.status).toBe(200);
    expect(nothing.headers.get('idempotent-replayed')).toBeNull();
    const rerun = (await nothing.json()).data;
    expect(rerun.images).toHaveLength(1);
    expect(rerun.credits_used).toBe(PRICE);

    // Charged once each: the stored image of the first attempt, and the rerun.
    expect(await balance()).toMatchObject({ balance: 1000 - 2 * PRICE, reserved: 0 });
    // Later retries replay the same, for free.
    const again = await Promise.all([
      send(PARTIAL, 'crash-partial'),
      send(NOTHING, 'crash-nothing'),
    ]);
    expect(again.map((r) => r.headers.get('idempotent-replayed'))).toEqual(['true', 'true']);
    expect((await again[0]!.json()).data).toEqual(replayed);
    expect((await again[1]!.json()).data).toEqual(rerun);
    expect(await balance()).toMatchObject({ balance: 1000 - 2 * PRICE, reserved: 0 });
    expect((await cli(['credits', 'verify'], env)).code).toBe(0);

    const rows: Array<Record<string, unknown>> = JSON.parse(
      (await cli(['usage', '--account', accountId, '--json'], env)).stdout,
    );
    expect(
      rows.map((r) => [r.number_of_images, r.images_delivered, r.credits_charged, r.status]).sort(),
    ).toEqual([
      [1, 0, 0, 'failed'],
      [1, 1, PRICE, 'succeeded'],
      [2, 1, PRICE, 'partial'],
    ]);
  });
});
