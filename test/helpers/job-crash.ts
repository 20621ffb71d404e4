import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import { listenLoopback } from './listen.ts';
import { cli, GOODTAKE, NODE, type ServerProcess } from './processes.ts';

/** A `goodtake worker` process; resolves once it says it runs. */
export async function startWorkerProcess(env: Record<string, string>) {
  const child = spawn(NODE, [GOODTAKE, 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('goodtake worker running')) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${err}${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start: ${err}${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Hook {
  readonly url: string;
  readonly received: Array<{ headers: IncomingHttpHeaders; type: string }>;
  close(): Promise<void>;
}

/** A webhook receiver on loopback that answers 204 and records what it got. */
export async function startHook(): Promise<Hook> {
  const received: Hook['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { type: string };
      received.push({ headers: req.headers, type: body.type });
      res.writeHead(204).end();
    });
  });
  const { url, close } = await listenLoopback(server);
  return { url: `${url}/hook`, received, close };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Each event was delivered under one webhook-id, and the generation ended exactly once. */
export function expectOneIdPerEvent(hook: Hook): void {
  const idsByType = new Map<string, Set<string>>();
  for (const r of hook.received) {
    const ids = idsByType.get(r.type) ?? new Set();
    ids.add(String(r.headers['webhook-id']));
    idsByType.set(r.type, ids);
  }
  // started once, one image, one end: completed.
  expect(idsByType.get('generation.started')?.size).toBe(1);
  expect(idsByType.get('generation.image')?.size).toBe(1);
  expect(idsByType.get('generation.completed')?.size).toBe(1);
  expect(idsByType.has('generation.failed')).toBe(false);
}

export const CRASH_BODY = (hookUrl: string) => ({
  prompt: 'Half a harbour [[offline:delay-index=1:60000]]',
  size: '1K',
  number_of_images: 2,
  webhook_url: hookUrl,
  webhook_events: ['started', 'image', 'completed'],
});

/**
 * What both crash tests (embedded and scale-out) run with: the offline provider's markers, the
 * loopback webhook receiver allowed, a short lease and poll, no per-key concurrency limit.
 */
export const CRASH_ENV = {
  GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
  GOODTAKE_FETCH_ALLOW: '127.0.0.1',
  GOODTAKE_JOB_LEASE_MS: '1500',
  GOODTAKE_JOB_POLL_MS: '100',
  GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
} as const;

export interface CrashJob {
  readonly key: string;
  readonly accountId: string;
  readonly id: string;
  /** The generation's state, as `url` (any server of the installation) answers it. */
  state(url: string): Promise<{
    status: string;
    data: { images: unknown[]; credits_used?: number };
  }>;
}

/**
 * Reads the default account's key from the server's start-up banner and submits the crash
 * generation (two images, the second one slow), its webhooks going to `hook`.
 */
export async function submitCrashJob(server: ServerProcess, hook: Hook): Promise<CrashJob> {
  // The banner follows the health check by a moment (bootstrap runs after listen).
  const key = await until(
    'the start-up banner',
    async () => /gt_[A-Za-z0-9]{40}/.exec(server.stderr())?.[0],
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
  return {
    key,
    accountId,
    id: data.id,
    state: async (url) =>
      (await (await fetch(`${url}/api/v1/generations/${data.id}`, { headers: auth })).json()) as {
        status: string;
        data: { images: unknown[]; credits_used?: number };
      },
  };
}

/** Waits until the job runs with its first image stored and that image's webhook received. */
export async function untilFirstImage(job: CrashJob, url: string, hook: Hook): Promise<void> {
  await until('the first image', async () => {
    const s = await job.state(url);
    const imaged = hook.received.some((r) => r.type === 'generation.image');
    return s.status === 'running' && s.data.images.length === 1 && imaged ? true : undefined;
  });
}

/**
 * After the kill: the job ends once, `succeeded` with the one stored image, only it charged
 * (4 of 100 credits), the books balance, and each webhook event went out under one webhook-id.
 */
export async function expectSettledOnce(
  job: CrashJob,
  url: string,
  hook: Hook,
  env: Record<string, string>,
): Promise<void> {
  const ended = await until('the job to be settled', async () => {
    const s = await job.state(url);
    return s.status === 'running' ? undefined : s;
  });
  expect(ended.status).toBe('succeeded');
  expect(ended.data.images).toHaveLength(1);
  expect(ended.data.credits_used).toBe(4);
  const balance = JSON.parse(
    (await cli(['credits', 'balance', '--account', job.accountId, '--json'], env)).stdout,
  ) as { balance: number; reserved: number };
  expect(balance).toMatchObject({ balance: 96, reserved: 0 });
  expect((await cli(['credits', 'verify'], env)).code).toBe(0);
  await until('the completed webhook', async () =>
    hook.received.some((r) => r.type === 'generation.completed') ? true : undefined,
  );
  expectOneIdPerEvent(hook);
}
