/**
 * Scenario 12: cold start. How long `goodtake serve` takes from spawn to its first answered
 * /healthz (on a fresh data directory, which migrates the database and makes the local signing
 * certificate, and again on the directory it left), and how long one admin CLI command
 * (`goodtake accounts list --json`) takes from spawn to exit, with the CPU each used.
 *
 * Baselines of the same run: the reference gateway (bench/minimal-gateway.ts: node:http,
 * undici, node:sqlite) from spawn to its first answer, for the server; a bare `node -e 0`, for
 * the CLI. CPU of a process that has exited is read from bash's `times` (its children's user +
 * system time), of a server still running from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import { cpuSeconds, FAKE_API_KEY, freePort, goodtakeEnv, NODE, ROOT } from './procs.ts';
import { row, stats } from './stats.ts';

interface Start {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Spawns a server, polls `url` until it answers, reads its CPU, stops it. */
async function timeServer(args: string[], env: NodeJS.ProcessEnv, url: string): Promise<Start> {
  const t0 = performance.now();
  const child = spawn(NODE, args, { cwd: ROOT, env, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s`);
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await r.body?.cancel();
        if (r.status < 500) break;
      } catch {
        // not listening yet
      }
      await delay(5);
    }
    const wallMs = performance.now() - t0;
    return { wallMs, cpuMs: cpuSeconds(child.pid!) * 1000 };
  } finally {
    const gone = new Promise((ok) => child.once('exit', ok));
    if (child.exitCode === null) child.kill('SIGKILL');
    await gone;
  }
}

/** Runs a command to its end under bash; wall time, and CPU from bash's `times`. */
function timeCommand(args: string[], env: NodeJS.ProcessEnv): Start {
  const quoted = [NODE, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const t0 = performance.now();
  const out = execFileSync('bash', ['-c', `${quoted} >/dev/null || exit 1; times`], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - t0;
  // `times` prints the shell's own times, then its children's: "0m0.412s 0m0.061s".
  const children = out.trim().split('\n').pop()!.trim().split(/\s+/);
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  return { wallMs, cpuMs: (seconds(children[0]!) + seconds(children[1]!)) * 1000 };
}

export async function scenario12(ctx: Context): Promise<ScenarioOutput> {
  const runs = Math.max(ctx.runs, 5);
  ctx.progress(`${runs} runs of each start, alternating`);
  const fresh: Start[] = [];
  const again: Start[] = [];
  const reference: Start[] = [];
  const cli: Start[] = [];
  const bare: Start[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = join(ctx.dir, `run-${i}`);
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    // The offline provider: no upstream is called at start.
    const env = goodtakeEnv({ dir, logLevel: ctx.logLevel }, port);
    const health = `http://127.0.0.1:${port}/healthz`;
    fresh.push(await timeServer(['bin/goodtake.js', 'serve'], env, health));
    again.push(await timeServer(['bin/goodtake.js', 'serve'], env, health));
    const refPort = await freePort();
    reference.push(
      await timeServer(
        [
          'bench/minimal-gateway.ts',
          '--port',
          String(refPort),
          '--upstream',
          'http://127.0.0.1:9/api/v3',
          '--key',
          FAKE_API_KEY,
          '--dir',
          join(dir, 'minimal'),
          '--body',
          '{}',
        ],
        { ...process.env },
        `http://127.0.0.1:${refPort}/ready`,
      ),
    );
    cli.push(timeCommand(['bin/goodtake.js', 'accounts', 'list', '--json'], env));
    bare.push(timeCommand(['-e', '0'], env));
    rmSync(dir, { recursive: true, force: true });
  }
  const wall = (s: Start[]) => stats(s.map((x) => x.wallMs));
  const cpu = (s: Start[]) => stats(s.map((x) => x.cpuMs));
  const ref =
    'baseline: the reference gateway (bench/minimal-gateway.ts) from spawn to first answer';
  const node = 'baseline: `node -e 0`, same run';
  return {
    rows: [
      row({
        scenario: '12',
        metric: 'server start to first /healthz, fresh data directory',
        unit: 'ms',
        note: ref,
        baseline: wall(reference),
        gateway: wall(fresh),
        derive: 'ratio',
      }),
      row({
        scenario: '12',
        metric: 'server start to first /healthz, existing data directory',
        unit: 'ms',
        note: ref,
        baseline: wall(reference),
        gateway: wall(again),
        derive: 'ratio',
      }),
      row({
        scenario: '12',
        metric: 'server start CPU, existing data directory',
        unit: 'ms',
        note: ref,
        baseline: cpu(reference),
        gateway: cpu(again),
        derive: 'ratio',
      }),
      row({
        scenario: '12',
        metric: 'admin CLI `accounts list --json`, spawn to exit',
        unit: 'ms',
        note: node,
        baseline: wall(bare),
        gateway: wall(cli),
        derive: 'ratio',
      }),
      row({
        scenario: '12',
        metric: 'admin CLI `accounts list --json`, CPU',
        unit: 'ms',
        note: node,
        baseline: cpu(bare),
        gateway: cpu(cli),
        derive: 'ratio',
      }),
    ],
    raw: { fresh, again, reference, cli, bare },
  };
}
