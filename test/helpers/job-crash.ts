import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { GOODTAKE, NODE } from './processes.ts';

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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
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
