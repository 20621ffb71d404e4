import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, startServerProcess } from './helpers/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'goodtake-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('finishes in-flight generations after SIGTERM, refuses new work, and exits 0', {
    timeout: 60_000,
  }, async () => {
    const env = { GOODTAKE_DATA_DIR: dir, GOODTAKE_OFFLINE_DELAY_MS: '1500' };
    const server = await startServerProcess(env);
    const key = /gt_[A-Za-z0-9]{40}/.exec(server.stderr())![0];
    const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
    const inFlight = fetch(`${server.url}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'finish me', size: '1K', number_of_images: 2 }),
    });
    await new Promise((r) => setTimeout(r, 400)); // the generation is running
    const exited = server.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // New connections are refused while the running request finishes.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data.images).toHaveLength(2);
    expect(await exited).toBe(0);
    // Charged for exactly what it delivered, nothing left reserved.
    const balance = JSON.parse(
      (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
    );
    expect(balance).toMatchObject({ balance: 100 - 2 * 4, reserved: 0 });
  });
});
