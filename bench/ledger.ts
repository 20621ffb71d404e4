/**
 * 6. The ledger and the limiters alone, in a child process, without HTTP or images: per
 * generation, what the pipeline does to them — request limiter hit, concurrency slot, reserve,
 * record the image row, settle (capture one image), release the slot — with N generations in
 * flight at once. The same-run baseline is the smallest write the database can do: one
 * transaction inserting one row, at the same concurrency.
 *
 * Runs on the embedded SQLite database, and on PostgreSQL too when GOODTAKE_BENCH_DATABASE_URL
 * is set (`postgres://...`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openCore } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { sortableId } from '../src/ids.ts';
import { createImageRecords } from '../src/images/image-records.ts';
import {
  createMemoryConcurrencyLimiter,
  createMemoryRequestLimiter,
} from '../src/ratelimit/memory-limiter.ts';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import { runBenchChild } from './procs.ts';
import { type Row, row, stats } from './stats.ts';

interface Spec {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly runs: number;
  readonly seconds: number;
  readonly concurrency: readonly number[];
}

interface Measure {
  readonly perSecond: number;
  readonly cpuMsPerOp: number;
  readonly count: number;
}

// A real (tiny) JPEG is not needed: the records only hash and count the bytes.
const IMAGE = {
  bytes: Buffer.alloc(50 * 1024, 1),
  format: 'jpeg' as const,
  contentType: 'image/jpeg',
  ext: 'jpg',
  width: 1024,
  height: 1024,
};

async function measure(
  seconds: number,
  concurrency: number,
  op: (worker: number) => Promise<void>,
): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        await op(w);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: count / elapsed, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / count, count };
}

async function child(spec: Spec): Promise<void> {
  mkdirSync(spec.dataDir, { recursive: true });
  const config = loadConfig({
    GOODTAKE_DATA_DIR: spec.dataDir,
    ...(spec.databaseUrl
      ? {
          DATABASE_URL: spec.databaseUrl,
          GOODTAKE_KEY_SECRET: 'bench-key-secret-of-at-least-32-characters',
        }
      : {}),
  });
  const core = await openCore(config, { migrate: true });
  try {
    const db = core.database.db;
    const account = await core.accounts.create({
      name: 'bench-ledger',
      credits: 1_000_000_000_000,
    });
    const key = await core.keys.create({ accountId: account.id, name: 'bench' });
    const records = createImageRecords({
      db,
      store: {
        kind: 'none',
        put: async () => undefined,
        open: async () => undefined,
        delete: async () => undefined,
      },
    });
    const requests = createMemoryRequestLimiter();
    const slots = createMemoryConcurrencyLimiter();
    await sql`create table if not exists bench_scratch (id varchar(64) primary key, at bigint not null)`.execute(
      db,
    );

    const generation = async (worker: number): Promise<void> => {
      // 100 keys with generous limits, so the limiters do their real work and never refuse.
      const limiterKey = `bench_${worker % 100}`;
      const decision = await requests.hit(limiterKey, 1_000_000);
      if (!decision.allowed) throw new Error('request limiter refused');
      const slot = await slots.acquire(limiterKey, 1000);
      if (!slot.ok) throw new Error('concurrency limiter refused');
      try {
        const id = sortableId('gen');
        const reserved = await core.ledger.reserve({
          id,
          accountId: account.id,
          apiKeyId: key.id,
          requestId: `req_bench_${worker}`,
          model: 'seedream-4-5-251128',
          size: '2K',
          numberOfImages: 1,
          blend: false,
          pricePerImage: 4,
        });
        if (!reserved.ok) throw new Error('reserve refused');
        await records.save({ generationId: id, accountId: account.id, position: 0, image: IMAGE });
        const settled = await core.ledger.settle({
          generationId: id,
          delivered: 1,
          errorCode: null,
          settledBy: 'request',
          durationMs: 1,
        });
        if (!settled.ok) throw new Error('settle refused');
      } finally {
        await slot.release();
      }
    };
    const bare = async (): Promise<void> => {
      await db.transaction().execute(async (tx) => {
        await sql`insert into bench_scratch (id, at) values (${sortableId('s')}, ${Date.now()})`.execute(
          tx,
        );
      });
    };

    // Warm up.
    await measure(0.5, 4, generation);
    await measure(0.5, 4, bare);
    const out: Record<string, { ledger: Measure[]; bare: Measure[] }> = {};
    for (const c of spec.concurrency) {
      const ledger: Measure[] = [];
      const base: Measure[] = [];
      for (let r = 0; r < spec.runs; r++) {
        if (r % 2 === 0) {
          base.push(await measure(spec.seconds / 2, c, bare));
          ledger.push(await measure(spec.seconds, c, generation));
        } else {
          ledger.push(await measure(spec.seconds, c, generation));
          base.push(await measure(spec.seconds / 2, c, bare));
        }
      }
      out[c] = { ledger, bare: base };
    }
    const mismatches = await core.ledger.verify();
    process.stdout.write(
      `${JSON.stringify({ kind: core.database.kind, results: out, ledgerMismatches: mismatches.length })}\n`,
    );
  } finally {
    await core.close();
  }
}

async function runChild(spec: Spec): Promise<{
  kind: string;
  results: Record<string, { ledger: Measure[]; bare: Measure[] }>;
  ledgerMismatches: number;
}> {
  return runBenchChild('bench/ledger.ts', spec);
}

export async function scenario6(ctx: Context): Promise<ScenarioOutput> {
  const concurrency = [1, 32];
  const targets: Array<{ label: string; url?: string }> = [{ label: 'SQLite' }];
  const pg = process.env.GOODTAKE_BENCH_DATABASE_URL;
  if (pg) targets.push({ label: 'PostgreSQL', url: pg });
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  for (const t of targets) {
    ctx.progress(`${t.label}: ${ctx.runs} runs at ${concurrency.join(', ')} in flight`);
    try {
      const r = await runChild({
        dataDir: join(ctx.dir, t.label.toLowerCase()),
        ...(t.url ? { databaseUrl: t.url } : {}),
        runs: ctx.runs,
        seconds: Math.max(1, ctx.durationS - 1),
        concurrency,
      });
      raw[t.label] = r;
      for (const c of concurrency) {
        const m = r.results[c]!;
        rows.push(
          row({
            scenario: '6',
            metric: `${t.label} generations per second, ${c} in flight`,
            unit: 'gen/s',
            note: 'baseline: bare one-row write transactions per second',
            baseline: stats(m.bare.map((x) => x.perSecond)),
            gateway: stats(m.ledger.map((x) => x.perSecond)),
            derive: 'ratio',
          }),
          row({
            scenario: '6',
            metric: `${t.label} CPU per generation, ${c} in flight`,
            unit: 'ms',
            baseline: stats(m.bare.map((x) => x.cpuMsPerOp)),
            gateway: stats(m.ledger.map((x) => x.cpuMsPerOp)),
            derive: 'ratio',
          }),
        );
      }
      if (r.ledgerMismatches > 0) {
        rows.push({
          scenario: '6',
          metric: `${t.label}: credits verify found ${r.ledgerMismatches} mismatches`,
          unit: '',
        });
      }
    } catch (err) {
      raw[t.label] = { error: String(err) };
      rows.push({ scenario: '6', metric: `${t.label} FAILED: ${String(err)}`, unit: '' });
    }
  }
  return { rows, raw };
}

if (import.meta.main) {
  await child(JSON.parse(process.argv[2] ?? '{}') as Spec);
}
