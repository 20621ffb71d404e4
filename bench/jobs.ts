/**
 * Scenario 11: asynchronous generations.
 *
 * 1. Submit rate: `Prefer: respond-async` (validate, reserve, queue, answer 202) against the
 *    synchronous request (the whole generation, fake ModelArk at 0 ms) in the same goodtake
 *    process, run by run. The server runs no workers (GOODTAKE_WORKERS=0), so the submits
 *    measure the submit path alone and the queue only grows.
 * 2. A deep queue: 10,000 generations queued across 100 accounts (one large account with 9,901,
 *    then 99 small accounts with one each) against a 10 s upstream and 100 workers. Measured:
 *    goodtake's peak RSS, and how long the small accounts' generations waited in the queue
 *    (p50/p99) against the large account's that started in the same time. First come first
 *    served, a small account's generation would wait behind the whole backlog (~99 rounds of
 *    10 s); taking accounts in turn, it starts in the first round after it is submitted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import type { LoadSpec } from './load.ts';
import { type PhaseResult, phase } from './phase.ts';
import { memory, NODE, ROOT, resetPeak, startFake, startGoodtake } from './procs.ts';
import { type Row, row, stats } from './stats.ts';

const BODY = { prompt: 'bench: a lighthouse at dusk', model: 'seedream-4-0-250828', size: '1K' };

const rps = (p: PhaseResult) => p.load.ok / p.load.seconds;
const cpuMs = (p: PhaseResult) => (p.usage.goodtake!.cpuS * 1000) / p.load.ok;

async function submitRate(ctx: Context): Promise<{ rows: Row[]; raw: unknown }> {
  const dir = join(ctx.dir, 'submit');
  mkdirSync(dir, { recursive: true });
  const fake = await startFake({ latencyMs: 0, outputBytes: 'small', dir });
  try {
    const g = await startGoodtake({
      dir,
      upstream: `${fake.origin}/api/v3`,
      logLevel: ctx.logLevel,
      env: { GOODTAKE_WORKERS: '0', GOODTAKE_QUEUE_MAX_PER_ACCOUNT: '10000000' },
    });
    try {
      const spec = (headers: Record<string, string>): LoadSpec => ({
        path: 'gateway',
        origin: g.origin,
        connections: 50,
        durationS: ctx.durationS,
        timeoutS: 30,
        requestPath: '/api/v1/bytedance/generate-image',
        headers: {
          authorization: `Bearer ${g.key}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify(BODY),
        images: 1,
      });
      const sync = spec({});
      const submit = spec({ prefer: 'respond-async' });
      const watch = { watch: [g, fake] };
      await phase({ ...sync, durationS: 2 }, { watch: [] });
      await phase({ ...submit, durationS: 2 }, { watch: [] });
      const pairs: Array<{ sync: PhaseResult; submit: PhaseResult }> = [];
      for (let r = 0; r < ctx.runs; r++) {
        ctx.progress(`submit rate: run ${r + 1}/${ctx.runs}`);
        if (r % 2 === 0) {
          const s = await phase(sync, watch);
          pairs.push({ sync: s, submit: await phase(submit, watch) });
        } else {
          const a = await phase(submit, watch);
          pairs.push({ sync: await phase(sync, watch), submit: a });
        }
      }
      const col = (side: 'sync' | 'submit', f: (p: PhaseResult) => number) =>
        stats(pairs.map((p) => f(p[side])));
      const note = 'baseline: the synchronous request (0 ms upstream), same process, same run';
      return {
        rows: [
          row({
            scenario: '11',
            metric: 'submit rate (Prefer: respond-async), 50 conns',
            unit: 'req/s',
            note,
            baseline: col('sync', rps),
            gateway: col('submit', rps),
            derive: 'ratio',
          }),
          row({
            scenario: '11',
            metric: 'CPU per submit',
            unit: 'ms',
            note,
            baseline: col('sync', cpuMs),
            gateway: col('submit', cpuMs),
            derive: 'ratio',
          }),
          row({
            scenario: '11',
            metric: 'submit errors',
            unit: 'requests',
            gateway: col('submit', (p) => p.load.failed + p.load.connErrors + p.load.timeouts),
            target: { column: 'gateway', on: 'max', op: '<=', bound: 0, text: '0 (every run)' },
          }),
        ],
        raw: pairs,
      };
    } finally {
      await g.stop(30_000);
    }
  } finally {
    await fake.stop();
  }
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function deepQueue(ctx: Context): Promise<{ rows: Row[]; raw: unknown }> {
  const dir = join(ctx.dir, 'queue');
  mkdirSync(dir, { recursive: true });
  const UPSTREAM_MS = 10_000;
  const WORKERS = 100;
  const LARGE = 9_901;
  const SMALL_ACCOUNTS = 99;
  const fake = await startFake({ latencyMs: UPSTREAM_MS, outputBytes: 'small', dir });
  try {
    const g = await startGoodtake({
      dir,
      upstream: `${fake.origin}/api/v3`,
      logLevel: 'warn',
      env: {
        GOODTAKE_WORKERS: String(WORKERS),
        GOODTAKE_JOB_POLL_MS: '200',
        GOODTAKE_QUEUE_MAX_PER_ACCOUNT: '10000',
        GOODTAKE_GENERATION_TIMEOUT_MS: '60000',
        GOODTAKE_RESERVATION_LEASE_MS: '120000',
      },
    });
    try {
      const env = { ...process.env, GOODTAKE_DATA_DIR: join(dir, 'data') };
      const cli = (args: string[]) =>
        execFileSync(NODE, ['bin/goodtake.js', ...args], { cwd: ROOT, env, encoding: 'utf8' });
      const newKey = () => {
        const account = JSON.parse(
          cli(['accounts', 'create', '--name', 'small', '--credits', '1000', '--json']),
        ) as { id: string };
        return (
          JSON.parse(
            cli([
              'keys',
              'create',
              '--account',
              account.id,
              '--name',
              'k',
              '--concurrency',
              '0',
              '--json',
            ]),
          ) as { key: string }
        ).key;
      };
      const smallKeys = Array.from({ length: SMALL_ACCOUNTS }, newKey);
      const submit = async (key: string): Promise<string> => {
        const res = await fetch(`${g.origin}/api/v1/bytedance/generate-image`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            prefer: 'respond-async',
          },
          body: JSON.stringify(BODY),
        });
        const body = (await res.json()) as { data: { id: string } };
        if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
        return body.data.id;
      };
      // Idle: started, its accounts made, nothing queued yet.
      await (await fetch(`${g.origin}/healthz`)).arrayBuffer();
      const idleRss = memory(g.pid).rss;
      resetPeak(g.pid);
      ctx.progress(`deep queue: submitting ${LARGE} generations of one account`);
      const started = Date.now();
      let next = 0;
      const large: string[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < LARGE) {
            next++;
            large.push(await submit(g.key));
          }
        }),
      );
      const submitS = (Date.now() - started) / 1000;
      ctx.progress(`deep queue: ${LARGE} submitted in ${submitS.toFixed(0)} s; 99 small accounts`);
      const small = await Promise.all(smallKeys.map((k) => submit(k)));
      const states = async (key: string, ids: readonly string[]) =>
        Promise.all(
          ids.map(async (id) => {
            const res = await fetch(`${g.origin}/api/v1/generations/${id}`, {
              headers: { authorization: `Bearer ${key}` },
            });
            return ((await res.json()) as { status: string }).status;
          }),
        );
      const deadline = Date.now() + 6 * UPSTREAM_MS;
      for (;;) {
        const s = await Promise.all(small.map((id, i) => states(smallKeys[i]!, [id])));
        if (s.every(([x]) => x !== 'queued')) break;
        if (Date.now() > deadline) throw new Error('small accounts still queued after 60 s');
        await new Promise((r) => setTimeout(r, 500));
      }
      const peakRss = memory(g.pid).peak;
      // Queue waits, from the database: the small accounts' generations, and the large
      // account's that started meanwhile.
      const sql = `select id, created_at, started_at from jobs where started_at is not null`;
      const rows = JSON.parse(
        execFileSync(
          NODE,
          [
            '-e',
            `const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(process.argv[1]); console.log(JSON.stringify(db.prepare(process.argv[2]).all()));`,
            join(dir, 'data', 'goodtake.db'),
            sql,
          ],
          { encoding: 'utf8' },
        ),
      ) as Array<{ id: string; created_at: number; started_at: number }>;
      const wait = new Map(rows.map((r) => [r.id, Number(r.started_at) - Number(r.created_at)]));
      const smallWaits = small.map((id) => wait.get(id)!).sort((a, b) => a - b);
      const largeWaits = large
        .filter((id) => wait.has(id))
        .map((id) => wait.get(id)!)
        .sort((a, b) => a - b);
      const queuedLarge = large.length - largeWaits.length;
      const one = (v: number) => stats([v]);
      const note = `${LARGE} of one account + 1 each of ${SMALL_ACCOUNTS}, ${WORKERS} workers, ${UPSTREAM_MS / 1000} s upstream; ${queuedLarge} of the large account still queued`;
      return {
        rows: [
          row({
            scenario: '11',
            metric: 'deep queue: small accounts, queue wait p50',
            unit: 'ms',
            note,
            baseline: one(quantile(largeWaits, 0.5)),
            gateway: one(quantile(smallWaits, 0.5)),
            target: {
              column: 'gateway',
              on: 'max',
              op: '<=',
              bound: 2 * UPSTREAM_MS,
              text: '<= 2 upstream times',
            },
          }),
          row({
            scenario: '11',
            metric: 'deep queue: small accounts, queue wait p99',
            unit: 'ms',
            note: 'baseline column: the large account\u2019s generations started in the same time',
            baseline: one(quantile(largeWaits, 0.99)),
            gateway: one(quantile(smallWaits, 0.99)),
          }),
          row({
            scenario: '11',
            metric: 'deep queue: peak RSS with 10,000 queued',
            unit: 'MB',
            gateway: one(peakRss / 1024 / 1024),
            target: { column: 'gateway', on: 'max', op: '<=', bound: 1024, text: '<= 1 GB' },
          }),
          row({
            scenario: '11',
            metric: 'deep queue: peak RSS above idle',
            unit: 'MB',
            note: 'baseline column: idle RSS (started, nothing queued)',
            baseline: one(idleRss / 1024 / 1024),
            gateway: one((peakRss - idleRss) / 1024 / 1024),
            target: { column: 'gateway', on: 'max', op: '<=', bound: 200, text: '<= 200 MB' },
          }),
          row({
            scenario: '11',
            metric: 'deep queue: submit rate, 32 clients',
            unit: 'req/s',
            gateway: one(LARGE / submitS),
          }),
        ],
        raw: { submitS, smallWaits, largeWaits: largeWaits.length, queuedLarge, peakRss, idleRss },
      };
    } finally {
      await g.stop(5_000);
    }
  } finally {
    await fake.stop();
  }
}

export async function scenario11(ctx: Context): Promise<ScenarioOutput> {
  const a = await submitRate(ctx);
  const b = await deepQueue(ctx);
  return { rows: [...a.rows, ...b.rows], raw: { submit: a.raw, queue: b.raw } };
}
