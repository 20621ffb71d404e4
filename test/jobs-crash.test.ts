import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CRASH_BODY,
  expectOneIdPerEvent,
  type Hook,
  startHook,
  until,
} from './helpers/job-crash.ts';
import { cli, type ServerProcess, startServerProcess } from './helpers/processes.ts';

// SIGKILL the process running a queued generation (the embedded defaults: the server is its
// own worker) after one of its two images is stored; after a restart the generation ends
// exactly once, with that image only charged, the books balance, and every webhook event went
// out under one webhook-id.

const dir = mkdtempSync(join(tmpdir(), 'goodtake-job-crash-'));
const env = {
  GOODTAKE_DATA_DIR: dir,
  GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
  GOODTAKE_FETCH_ALLOW: '127.0.0.1',
  GOODTAKE_JOB_LEASE_MS: '1500',
  GOODTAKE_JOB_POLL_MS: '100',
  GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
};
let server: ServerProcess | undefined;
let hook: Hook | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a worker killed mid-job (embedded)', () => {
  it('ends the job once after a restart, charging only the stored image', {
    timeout: 120_000,
  }, async () => {
    hook = await startHook();
    server = await startServerProcess(env);
    // The banner follows the health check by a moment (bootstrap runs after listen).
    const key = await until(
      'the start-up banner',
      async () => /gt_[A-Za-z0-9]{40}/.exec(server!.stderr())?.[0],
    );
    const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(server.stderr())![1]!;
    const auth = { Authorization: `Bearer ${key}` };
    const submit = await fetch(`${server.url}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify(CRASH_BODY(hook.url)),
    });
    expect(submit.status).toBe(202);
    const { data } = (await submit.json()) as { data: { id: string } };
    const state = async (url: string) =>
      (await (await fetch(`${url}/api/v1/generations/${data.id}`, { headers: auth })).json()) as {
        status: string;
        data: { images: unknown[]; credits_used?: number };
      };
    // One image stored and its webhook received: then the process dies.
    await until('the first image', async () => {
      const s = await state(server!.url);
      const imaged = hook!.received.some((r) => r.type === 'generation.image');
      return s.status === 'running' && s.data.images.length === 1 && imaged ? true : undefined;
    });
    await server.stop('SIGKILL');

    server = await startServerProcess(env);
    const ended = await until('the job to be settled', async () => {
      const s = await state(server!.url);
      return s.status === 'running' ? undefined : s;
    });
    expect(ended.status).toBe('succeeded');
    expect(ended.data.images).toHaveLength(1);
    expect(ended.data.credits_used).toBe(4);
    const balance = JSON.parse(
      (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
    ) as { balance: number; reserved: number };
    expect(balance).toMatchObject({ balance: 96, reserved: 0 });
    const verify = await cli(['credits', 'verify'], env);
    expect(verify.code).toBe(0);
    await until('the completed webhook', async () =>
      hook!.received.some((r) => r.type === 'generation.completed') ? true : undefined,
    );
    expectOneIdPerEvent(hook);
  });
});
