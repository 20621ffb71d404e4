import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import {
  CRASH_ENV,
  expectSettledOnce,
  type Hook,
  startHook,
  submitCrashJob,
  untilFirstImage,
} from './helpers/job-crash.ts';
import { type ServerProcess, startServerProcess } from './helpers/processes.ts';

// SIGKILL the process running a queued generation (the embedded defaults: the server is its
// own worker) after one of its two images is stored; after a restart the generation ends
// exactly once, with that image only charged, the books balance, and every webhook event went
// out under one webhook-id.

const dir = mkdtempSync(join(tmpdir(), 'goodtake-job-crash-'));
const env = { ...CRASH_ENV, GOODTAKE_DATA_DIR: dir };
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
    const job = await submitCrashJob(server, hook);
    // One image stored and its webhook received: then the process dies.
    await untilFirstImage(job, server.url, hook);
    await server.stop('SIGKILL');

    server = await startServerProcess(env);
    await expectSettledOnce(job, server.url, hook, env);
  });
});
