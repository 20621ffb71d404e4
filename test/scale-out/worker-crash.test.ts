import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  CRASH_ENV,
  expectSettledOnce,
  type Hook,
  startHook,
  startWorkerProcess,
  submitCrashJob,
  untilFirstImage,
} from '../helpers/job-crash.ts';
import { type ServerProcess, startServerProcess } from '../helpers/processes.ts';
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
    const env = { ...installation.env, ...CRASH_ENV, GOODTAKE_DATA_DIR: dataDir };
    hook = await startHook();
    api = await startServerProcess({ ...env, GOODTAKE_WORKERS: '0' });
    const job = await submitCrashJob(api, hook);
    // The API replica runs no jobs: it stays queued until a worker is there.
    await new Promise((r) => setTimeout(r, 500));
    expect((await job.state(api.url)).status).toBe('queued');

    const first = await startWorkerProcess(env);
    workers.push(first);
    await untilFirstImage(job, api.url, hook);
    await first.kill('SIGKILL');

    workers.push(await startWorkerProcess(env));
    await expectSettledOnce(job, api.url, hook, env);
  });
});
