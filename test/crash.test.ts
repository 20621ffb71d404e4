import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, type ServerProcess, startServerProcess } from './helpers/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'goodtake-crash-'));
const env = {
  GOODTAKE_DATA_DIR: dir,
  GOODTAKE_OFFLINE_DELAY_MS: '200',
  GOODTAKE_GENERATION_TIMEOUT_MS: '8000',
  GOODTAKE_RESERVATION_LEASE_MS: '9000',
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

describe('a crash with generations in flight', () => {
  it('leaves nothing reserved after the lease, charging exactly what was stored', {
    timeout: 120_000,
  }, async () => {
    server = await startServerProcess(env);
    const key = /gt_[A-Za-z0-9]{40}/.exec(server.stderr())![0];
    const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
    const send = (body: object) =>
      fetch(`${server!.url}/api/v1/bytedance/generate-image`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ size: '1K', ...body }),
      }).catch(() => undefined);

    // Image 0 lands at once; the marked images take a minute, so the kill finds these
    // generations half delivered, or not delivered at all.
    const inFlight = [
      send({ prompt: 'half a [[offline:delay-index=1:60000]]', number_of_images: 2 }),
      send({
        prompt: 'half b [[offline:delay-index=1:60000]] [[offline:delay-index=2:60000]]',
        number_of_images: 3,
      }),
      send({ prompt: 'none [[offline:delay-index=0:60000]]', number_of_images: 1 }),
      send({
        prompt: 'none either [[offline:delay-index=0:60000]] [[offline:delay-index=1:60000]]',
        number_of_images: 2,
      }),
    ];
    // Wait until the fast images are stored: usage shows 4 pending generations.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = JSON.parse((await cli(['usage', '--account', accountId, '--json'], env)).stdout);
      if (rows.filter((r: { status: string }) => r.status === 'pending').length === 4) break;
      if (Date.now() > deadline) throw new Error('generations did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500)); // the fast images are written by now

    await server.stop('SIGKILL');
    await Promise.all(inFlight);
    const held = JSON.parse(
      (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
    );
    expect(held.reserved).toBe(8 * PRICE);
    // The books already balance with reservations outstanding.
    expect((await cli(['credits', 'verify'], env)).code).toBe(0);

    // Restart: the sweeper settles every reservation once its lease has expired.
    server = await startServerProcess(env);
    const until = Date.now() + 60_000;
    let balance = held;
    while (balance.reserved !== 0) {
      if (Date.now() > until) throw new Error(`still reserved: ${JSON.stringify(balance)}`);
      await new Promise((r) => setTimeout(r, 500));
      balance = JSON.parse(
        (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
      );
    }
    expect((await cli(['credits', 'verify'], env)).code).toBe(0);

    const rows: Array<Record<string, unknown>> = JSON.parse(
      (await cli(['usage', '--account', accountId, '--json'], env)).stdout,
    );
    const byDelivered = rows
      .map((r) => [r.number_of_images, r.images_delivered, r.credits_charged, r.status])
      .sort();
    expect(byDelivered).toEqual([
      [1, 0, 0, 'failed'],
      [2, 0, 0, 'failed'],
      [2, 1, PRICE, 'partial'],
      [3, 1, PRICE, 'partial'],
    ]);
    expect(balance.balance).toBe(1000 - 2 * PRICE);
  });
});
