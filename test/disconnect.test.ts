import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeModelArk } from '../src/providers/modelark/fake/server.ts';
import { cli, startServerProcess } from './helpers/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'goodtake-disconnect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a client that disconnects mid-generation', () => {
  it('leaves nothing reserved: the generation finishes and is settled', {
    timeout: 60_000,
  }, async () => {
    // Long enough that the generation is still running when the admin CLI (a fresh process,
    // slow to start on a loaded machine) first reads the balance.
    const fake = await startFakeModelArk({ latencyMs: 4000 });
    const env = { GOODTAKE_DATA_DIR: dir, ARK_API_KEY: fake.apiKey, ARK_BASE_URL: fake.url };
    const server = await startServerProcess(env);
    try {
      const key = /gt_[A-Za-z0-9]{40}/.exec(server.stderr())![0];
      const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
      const aborter = new AbortController();
      const request = fetch(`${server.url}/api/v1/bytedance/generate-image`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'walk away', size: '2K', number_of_images: 2 }),
        signal: aborter.signal,
      });
      await new Promise((r) => setTimeout(r, 500));
      aborter.abort();
      await expect(request).rejects.toThrow();
      const balance = async () =>
        JSON.parse(
          (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
        );
      expect((await balance()).reserved).toBe(8); // still generating upstream
      const deadline = Date.now() + 40_000;
      let b = await balance();
      while (b.reserved !== 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        b = await balance();
      }
      // The upstream billed both images, so they are delivered (to storage) and charged once;
      // a retry with the same Idempotency-Key would have replayed them.
      expect(b).toMatchObject({ reserved: 0, balance: 100 - 8 });
      expect((await cli(['credits', 'verify'], env)).code).toBe(0);
    } finally {
      await server.stop();
      await fake.close();
    }
  });

  it('serves a request whose client reset the connection right after sending it all', {
    timeout: 60_000,
  }, async () => {
    const env = { GOODTAKE_DATA_DIR: join(dir, 'half-closed') };
    const server = await startServerProcess(env);
    try {
      const key = /gt_[A-Za-z0-9]{40}/.exec(server.stderr())![0];
      const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
      const body = JSON.stringify({ prompt: 'sent and gone', size: '1K', number_of_images: 2 });
      // The client resets the connection as soon as the request is out: the body was received
      // in full, so it is read (from what Node buffered, if the request was destroyed first)
      // and the generation runs and is charged.
      await new Promise<void>((resolve) => {
        const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
          socket.write(
            [
              'POST /api/v1/bytedance/generate-image HTTP/1.1',
              'Host: x',
              `Authorization: Bearer ${key}`,
              'Content-Type: application/json',
              `Content-Length: ${Buffer.byteLength(body)}`,
              '',
              body,
            ].join('\r\n'),
            () => setTimeout(() => socket.resetAndDestroy(), 50),
          );
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        socket.resume();
      });
      const balance = async () =>
        JSON.parse(
          (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
        );
      const deadline = Date.now() + 30_000;
      let b = await balance();
      while ((b.balance !== 100 - 8 || b.reserved !== 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        b = await balance();
      }
      expect(b).toMatchObject({ balance: 100 - 8, reserved: 0 });
    } finally {
      await server.stop();
    }
  });
});
