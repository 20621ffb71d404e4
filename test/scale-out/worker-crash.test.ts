import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  CRASH_BODY,
  expectOneIdPerEvent,
  type Hook,
  startHook,
  startWorkerProcess,
  until,
} from '../helpers/job-crash.ts';
import { cli, type ServerProcess, startServerProcess } from '../helpers/processes.ts';
import {
  createScaleOutInstallation,
  type ScaleOutInstallation,
  scaleOutUrls,
} from '../helpers/scale-out.ts';

// The scale-out mode: an API replica that runs no jobs (GOODTAKE_WORKERS=0) and `goodtake
// worker` processes on one PostgreSQL, Redis and bucket. SIGKILL the worker running a job after
// one of its two images is stored; another worker settles it once, charging that image only.
// The job engine (pg-boss) brings the job back when the dead worker's heartbeats stop (10 s
// here); the sweeper's own backstop would only act after 110 s, past this test's waits.
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: worker crash test skipped (${urls.reason})`);

describe.skipIf(!urls.ok)('a `goodtake worker` killed mid-job (scale-out)', () => {
  let installation: ScaleOutInstallation | undefined;
  let dataDir: string | undefined;
  let api: ServerProcess | undefined;
  let hook: Hook | undefined;
  const workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await api?.stop('SIGKILL');
    await hook?.close();
    await installation?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends the job once on another worker, charging only the stored image', {
    timeout: 120_000,
  }, async () => {
    if (!urls.ok) return;
    installation = await createScaleOutInstallation(urls.urls, inject('s3Endpoint'));
    dataDir = mkdtempSync(join(tmpdir(), 'goodtake-worker-crash-'));
    const env = {
      ...installation.env,
      GOODTAKE_DATA_DIR: dataDir,
      GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
      GOODTAKE_FETCH_ALLOW: '127.0.0.1',
      GOODTAKE_JOB_LEASE_MS: '1500',
      GOODTAKE_JOB_POLL_MS: '100',
      GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
    };
    hook = await startHook();
    api = await startServerProcess({ ...env, GOODTAKE_WORKERS: '0' });
    // The banner follows the health check by a moment (bootstrap runs after listen).
    const key = await until(
      'the start-up banner',
      async () => /gt_[A-Za-z0-9]{40}/.exec(api!.stderr())?.[0],
    );
    const accountId = /\((acc_[A-Za-z0-9]+)\)/.exec(api.stderr())![1]!;
    const auth = { Authorization: `Bearer ${key}` };
    const submit = await fetch(`${api.url}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify(CRASH_BODY(hook.url)),
    });
    expect(submit.status).toBe(202);
    const { data } = (await submit.json()) as { data: { id: string } };
    const state = async () =>
      (await (
        await fetch(`${api!.url}/api/v1/generations/${data.id}`, { headers: auth })
      ).json()) as {
        status: string;
        data: { images: unknown[]; credits_used?: number };
      };
    // The API replica runs no jobs: it stays queued until a worker is there.
    await new Promise((r) => setTimeout(r, 500));
    expect((await state()).status).toBe('queued');

    const first = await startWorkerProcess(env);
    workers.push(first);
    await until('the first image', async () => {
      const s = await state();
      const imaged = hook!.received.some((r) => r.type === 'generation.image');
      return s.status === 'running' && s.data.images.length === 1 && imaged ? true : undefined;
    });
    await first.kill('SIGKILL');

    workers.push(await startWorkerProcess(env));
    const ended = await until('the job to be settled', async () => {
      const s = await state();
      return s.status === 'running' ? undefined : s;
    });
    expect(ended.status).toBe('succeeded');
    expect(ended.data.images).toHaveLength(1);
    expect(ended.data.credits_used).toBe(4);
    const balance = JSON.parse(
      (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
    ) as { balance: number; reserved: number };
    expect(balance).toMatchObject({ balance: 96, reserved: 0 });
    expect((await cli(['credits', 'verify'], env)).code).toBe(0);
    await until('the completed webhook', async () =>
      hook!.received.some((r) => r.type === 'generation.completed') ? true : undefined,
    );
    expectOneIdPerEvent(hook);
  });
});
