/**
 * Scenario 10: the first route answers 500. Two upstreams run as local fakes, ModelArk (the
 * first route) and fal.ai (the second). In the same run it measures, per request, the healthy
 * path (ModelArk serves), failing over while the circuit is still closed (every request is
 * refused by ModelArk with 500, then fal.ai serves), and failing over once the circuit is open
 * (ModelArk is no longer called). The baseline of each row is the healthy path; "fal.ai
 * directly" (a catalog whose first route is fal.ai) shows what the second upstream costs by
 * itself, so the failover's own share can be read off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import type { LoadSpec } from './load.ts';
import { type PhaseResult, phase } from './phase.ts';
import {
  type BenchProcess,
  FAKE_API_KEY,
  startFake,
  startFakeFal,
  startGoodtake,
} from './procs.ts';
import { type Row, row, stats } from './stats.ts';

const BODY = {
  prompt: 'bench: a lighthouse on a cliff at dusk',
  model: 'seedream-4-0-250828',
  size: '1024x1024',
};
const CONNECTIONS = 20;

type Path = 'healthy' | 'failover' | 'circuitOpen' | 'falDirect';
type RunSet = Record<Path, PhaseResult>;

const cpuMs = (p: PhaseResult, name: string) => (p.usage[name]!.cpuS * 1000) / p.load.ok;
const errors = (p: PhaseResult) => p.load.failed + p.load.connErrors + p.load.timeouts;

function spec(g: BenchProcess & { key: string }, s: number): LoadSpec {
  return {
    path: 'gateway',
    origin: g.origin,
    connections: CONNECTIONS,
    durationS: s,
    timeoutS: 30,
    requestPath: '/api/v1/bytedance/generate-image',
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(BODY),
    images: 1,
  };
}

async function configure(fake: BenchProcess, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${fake.origin}/__fake/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`fake config answered ${res.status}`);
}

async function smoke(s: LoadSpec): Promise<void> {
  const res = await fetch(`${s.origin}${s.requestPath}`, {
    method: 'POST',
    headers: s.headers,
    body: s.body,
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`${s.requestPath} answered ${res.status}: ${text.slice(0, 300)}`);
}

const LABELS: Record<Exclude<Path, 'healthy'>, string> = {
  failover: 'failing over, circuit closed (ModelArk 500, then fal.ai)',
  circuitOpen: 'failing over, circuit open (fal.ai only)',
  falDirect: 'fal.ai as the first route (reference)',
};

function rows(sets: RunSet[], procs: Record<Path, string>): Row[] {
  const col = (path: Path, f: (p: PhaseResult, name: string) => number) =>
    stats(sets.map((s) => f(s[path], procs[path])));
  const note = 'baseline: the healthy path (ModelArk serves), same run';
  const out: Row[] = [];
  for (const path of ['failover', 'circuitOpen', 'falDirect'] as const) {
    const label = LABELS[path];
    out.push(
      row({
        scenario: '10',
        metric: `p50 latency, ${label}`,
        unit: 'ms',
        note,
        baseline: col('healthy', (p) => p.load.latencyMs.p50),
        gateway: col(path, (p) => p.load.latencyMs.p50),
        derive: 'diff',
      }),
      row({
        scenario: '10',
        metric: `p99 latency, ${label}`,
        unit: 'ms',
        note,
        baseline: col('healthy', (p) => p.load.latencyMs.p99),
        gateway: col(path, (p) => p.load.latencyMs.p99),
        derive: 'diff',
      }),
      row({
        scenario: '10',
        metric: `goodtake CPU per request, ${label}`,
        unit: 'ms',
        note,
        baseline: col('healthy', cpuMs),
        gateway: col(path, cpuMs),
        derive: 'ratio',
      }),
      row({
        scenario: '10',
        metric: `errors, ${label}`,
        unit: 'requests',
        baseline: col('healthy', errors),
        gateway: col(path, errors),
        target: { column: 'gateway', on: 'max', op: '<=', bound: 0, text: '0 (every run)' },
      }),
    );
  }
  return out;
}

export async function scenario10(ctx: Context): Promise<ScenarioOutput> {
  const dir = ctx.dir;
  mkdirSync(dir, { recursive: true });
  const ark = await startFake({ latencyMs: 0, outputBytes: 50 * 1024, dir });
  const fal = await startFakeFal({ latencyMs: 0, outputBytes: 50 * 1024, dir });
  const started: BenchProcess[] = [ark, fal];
  try {
    const upstreams = {
      FAL_KEY: FAKE_API_KEY,
      FAL_BASE_URL: fal.origin,
      FAL_POLL_INTERVAL_MS: '5',
      FAL_MAX_RETRIES: '0',
      ARK_MAX_RETRIES: '0',
    };
    const common = { upstream: `${ark.origin}/api/v3`, logLevel: ctx.logLevel };
    // The same catalog and settings; only the circuit threshold differs.
    const closed = await startGoodtake({
      ...common,
      dir: join(dir, 'closed'),
      name: 'goodtake-closed',
      env: { ...upstreams, GOODTAKE_CIRCUIT_FAILURES: '1000000000' },
    });
    started.push(closed);
    const open = await startGoodtake({
      ...common,
      dir: join(dir, 'open'),
      name: 'goodtake-open',
      env: {
        ...upstreams,
        GOODTAKE_CIRCUIT_FAILURES: '5',
        GOODTAKE_CIRCUIT_COOLDOWN_MS: '3600000',
      },
    });
    started.push(open);
    const catalog = join(dir, 'fal-first.json');
    writeFileSync(
      catalog,
      JSON.stringify({
        models: [{ id: 'seedream-4-0-250828', price: 3, routes: [{ provider: 'fal' }] }],
      }),
    );
    const falFirst = await startGoodtake({
      ...common,
      dir: join(dir, 'fal-first'),
      name: 'goodtake-fal',
      env: { ...upstreams, GOODTAKE_CATALOG: catalog },
    });
    started.push(falFirst);

    const s = {
      healthy: spec(closed, ctx.durationS),
      failover: spec(closed, ctx.durationS),
      circuitOpen: spec(open, ctx.durationS),
      falDirect: spec(falFirst, ctx.durationS),
    };
    const procs: Record<Path, string> = {
      healthy: closed.name,
      failover: closed.name,
      circuitOpen: open.name,
      falDirect: falFirst.name,
    };
    const watch = { watch: [closed, open, falFirst, ark, fal] };
    // Warm every process on its path; the open one's warm-up opens its circuit.
    await configure(ark, { failureRate: 0 });
    await smoke(s.healthy);
    await phase({ ...s.healthy, durationS: 2 }, { watch: [] });
    await phase({ ...s.falDirect, durationS: 2 }, { watch: [] });
    await configure(ark, { failureRate: 1 });
    await smoke(s.failover);
    await phase({ ...s.failover, durationS: 2 }, { watch: [] });
    await phase({ ...s.circuitOpen, durationS: 2 }, { watch: [] });

    const sets: RunSet[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress(`run ${r + 1}/${ctx.runs}`);
      await configure(ark, { failureRate: 0 });
      const healthy = await phase(s.healthy, watch);
      const falDirect = await phase(s.falDirect, watch);
      await configure(ark, { failureRate: 1 });
      const failover = await phase(s.failover, watch);
      const circuitOpen = await phase(s.circuitOpen, watch);
      sets.push({ healthy, failover, circuitOpen, falDirect });
    }
    return { rows: rows(sets, procs), raw: sets };
  } finally {
    for (const p of started.reverse()) await p.stop(30_000);
  }
}
