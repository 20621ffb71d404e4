/**
 * Scenarios 1-4 and 7: goodtake in front of the fake ModelArk, each paired, run by run, with the
 * direct path (the load generator calling the fake itself and downloading the image).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { seedCatalog } from '../src/catalog/build.ts';
import { parseSize } from '../src/contract/sizes.ts';
import { buildRequestBody } from '../src/providers/modelark/request-body.ts';
import type { LoadSpec } from './load.ts';
import {
  ensurePortkey,
  PORTKEY_PACKAGE,
  PORTKEY_PATH,
  PORTKEY_VERSION,
  portkeyHeaders,
  startPortkey,
} from './peers.ts';
import { type PhaseResult, phase } from './phase.ts';
import {
  type BenchProcess,
  FAKE_API_KEY,
  startFake,
  startGoodtake,
  startMinimalGateway,
} from './procs.ts';
import { type Row, row, stats } from './stats.ts';

export interface Context {
  readonly runs: number;
  /** Seconds of each measured phase of the throughput scenarios. */
  readonly durationS: number;
  readonly logLevel: string;
  readonly cpuProfDir: string | undefined;
  /** A fresh directory for this scenario's processes, data and logs. */
  readonly dir: string;
  readonly progress: (text: string) => void;
}

export interface ScenarioOutput {
  readonly rows: Row[];
  readonly raw: unknown;
}

const GENERATE_PATH = '/api/v1/bytedance/generate-image';
const UPSTREAM_PATH = '/api/v3/images/generations';
const PROMPT = 'bench: a lighthouse on a cliff at dusk';
const MB = 1024 * 1024;

export interface Workload {
  readonly model: 'seedream-4-0-250828' | 'seedream-4-5-251128';
  readonly size: string;
  readonly numberOfImages: number;
  readonly includeBase64: boolean;
}

/** How goodtake talks to the fake ModelArk in the benchmark (and the lean prototype too). */
export const BENCH_UPSTREAM_WIRE: Parameters<typeof buildRequestBody>[1] = {
  flavor: 'byteplus',
  modelIds: {},
  responseFormat: 'url',
  watermark: false,
  stream: false,
  sendSourceUrls: false,
};

/** The client's body to goodtake, and the body goodtake sends upstream for each image. */
export function bodies(w: Workload): { gateway: string; direct: string } {
  const parsed = parseSize(seedCatalog().find(w.model)!, w.size);
  if (!parsed.ok) throw new Error(parsed.message);
  const upstream = buildRequestBody(
    {
      model: w.model,
      prompt: PROMPT,
      size: parsed.size,
      mode: 'standard',
      index: 0,
      sources: [],
      signal: new AbortController().signal,
    },
    BENCH_UPSTREAM_WIRE,
  );
  return {
    gateway: JSON.stringify({
      prompt: PROMPT,
      model: w.model,
      size: w.size,
      ...(w.numberOfImages > 1 ? { number_of_images: w.numberOfImages } : {}),
      ...(w.includeBase64 ? { include_base64_encoding: true } : {}),
    }),
    direct: JSON.stringify(upstream),
  };
}

interface Setup {
  readonly fake: BenchProcess;
  readonly goodtake: BenchProcess & { key: string };
  /** The reference gateway (bench/minimal-gateway.ts), in the scenarios that report it. */
  readonly minimal?: BenchProcess;
  /** The Portkey gateway (bench/peers.ts), in the scenarios that compare with it. */
  readonly portkey?: BenchProcess;
  stop(): Promise<void>;
}

async function setup(
  ctx: Context,
  fake: { latencyMs: number; outputBytes: number | 'small' },
  minimalFor?: Workload,
  o: { portkey?: boolean } = {},
): Promise<Setup> {
  mkdirSync(ctx.dir, { recursive: true });
  const portkeyServer = o.portkey ? ensurePortkey(ctx.progress) : undefined;
  const f = await startFake({ ...fake, dir: ctx.dir });
  try {
    const g = await startGoodtake({
      dir: ctx.dir,
      upstream: `${f.origin}/api/v3`,
      logLevel: ctx.logLevel,
      ...(ctx.cpuProfDir ? { cpuProfDir: ctx.cpuProfDir } : {}),
    });
    const m = minimalFor
      ? await startMinimalGateway({
          dir: ctx.dir,
          upstream: `${f.origin}/api/v3`,
          upstreamBody: bodies(minimalFor).direct,
        }).catch(async (err: unknown) => {
          await g.stop();
          throw err;
        })
      : undefined;
    const p = portkeyServer
      ? await startPortkey({ dir: ctx.dir, server: portkeyServer }).catch(async (err: unknown) => {
          await m?.stop();
          await g.stop();
          throw err;
        })
      : undefined;
    return {
      fake: f,
      goodtake: g,
      ...(m ? { minimal: m } : {}),
      ...(p ? { portkey: p } : {}),
      async stop() {
        await p?.stop();
        await m?.stop();
        await g.stop(30_000);
        await f.stop();
      },
    };
  } catch (err) {
    await f.stop();
    throw err;
  }
}

function specs(
  s: Setup,
  w: Workload,
  load: { connections: number; durationS: number; perConnection?: number; timeoutS?: number },
): Specs {
  const b = bodies(w);
  const common = {
    connections: load.connections,
    durationS: load.durationS,
    timeoutS: load.timeoutS ?? 30,
    ...(load.perConnection ? { perConnection: load.perConnection } : {}),
  };
  return {
    gateway: {
      ...common,
      path: 'gateway',
      origin: s.goodtake.origin,
      requestPath: GENERATE_PATH,
      headers: { authorization: `Bearer ${s.goodtake.key}`, 'content-type': 'application/json' },
      body: b.gateway,
      images: w.numberOfImages,
    },
    direct: {
      ...common,
      path: 'direct',
      origin: s.fake.origin,
      requestPath: UPSTREAM_PATH,
      headers: { authorization: `Bearer ${FAKE_API_KEY}`, 'content-type': 'application/json' },
      body: b.direct,
      images: w.numberOfImages,
    },
    ...(s.minimal
      ? {
          minimal: {
            ...common,
            path: 'gateway',
            origin: s.minimal.origin,
            requestPath: GENERATE_PATH,
            headers: { 'content-type': 'application/json' },
            body: b.gateway,
            images: w.numberOfImages,
          },
        }
      : {}),
    ...(s.portkey
      ? {
          portkey: {
            ...common,
            path: 'peer',
            origin: s.portkey.origin,
            requestPath: PORTKEY_PATH,
            headers: portkeyHeaders(`${s.fake.origin}/api/v3`, FAKE_API_KEY),
            body: b.direct,
            images: w.numberOfImages,
          },
        }
      : {}),
  };
}

/** What provenance adds to one stored image at most (XMP + manifest + certificate chain). */
const MAX_PROVENANCE_BYTES = 64 * 1024;

interface Specs {
  readonly gateway: LoadSpec;
  readonly direct: LoadSpec;
  readonly minimal?: LoadSpec;
  readonly portkey?: LoadSpec;
}

/**
 * One request each way before measuring: both paths answer, the image sizes are what we think,
 * and the bench key really has no request or concurrency limit.
 */
async function smoke(
  s: Setup,
  w: Workload,
): Promise<{ imageBytes: number; responseBytes: number; limits: unknown }> {
  const b = bodies(w);
  const account = (await (
    await fetch(`${s.goodtake.origin}/api/v1/account`, {
      headers: { authorization: `Bearer ${s.goodtake.key}` },
    })
  ).json()) as {
    data: { limits: { requests_per_minute: number; concurrent_generations: number } };
  };
  const limits = account.data.limits;
  if (limits.requests_per_minute !== 0 || limits.concurrent_generations !== 0) {
    throw new Error(`the bench key is limited: ${JSON.stringify(limits)}`);
  }
  const g = await fetch(`${s.goodtake.origin}${GENERATE_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.goodtake.key}`, 'content-type': 'application/json' },
    body: b.gateway,
  });
  const text = await g.text();
  if (g.status !== 200) throw new Error(`goodtake answered ${g.status}: ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as { data: { images: Array<{ url: string; base64?: string }> } };
  const first = body.data.images[0]!;
  if (w.includeBase64 && !first.base64?.startsWith('data:image/')) {
    throw new Error('goodtake answered without base64');
  }
  const img = await fetch(first.url);
  const imageBytes = (await img.arrayBuffer()).byteLength;
  if (img.status !== 200) throw new Error(`goodtake image URL answered ${img.status}`);
  const d = await fetch(`${s.fake.origin}${UPSTREAM_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${FAKE_API_KEY}`, 'content-type': 'application/json' },
    body: b.direct,
  });
  const dj = (await d.json()) as { data: Array<{ url: string }> };
  if (d.status !== 200) throw new Error(`fake answered ${d.status}`);
  const up = await fetch(dj.data[0]!.url);
  const upBytes = (await up.arrayBuffer()).byteLength;
  // goodtake stores the upstream's bytes plus its provenance marks (IPTC XMP and a signed C2PA
  // manifest, docs/provenance.md): a few KB more, never fewer, never a re-encoded image.
  const provenanceBytes = imageBytes - upBytes;
  if (provenanceBytes < 0 || provenanceBytes > MAX_PROVENANCE_BYTES) {
    throw new Error(
      `goodtake stored ${imageBytes} bytes, the fake served ${upBytes}: not the upstream image plus its provenance marks`,
    );
  }
  if (s.portkey) {
    const p = await fetch(`${s.portkey.origin}${PORTKEY_PATH}`, {
      method: 'POST',
      headers: portkeyHeaders(`${s.fake.origin}/api/v3`, FAKE_API_KEY),
      body: b.direct,
    });
    const pt = await p.text();
    const url =
      p.status === 200
        ? (JSON.parse(pt) as { data?: Array<{ url?: string }> }).data?.[0]?.url
        : undefined;
    if (!url?.startsWith(s.fake.origin)) {
      throw new Error(`Portkey answered ${p.status}: ${pt.slice(0, 500)}`);
    }
    const pi = await fetch(url);
    if ((await pi.arrayBuffer()).byteLength !== upBytes)
      throw new Error('Portkey: image size differs');
  }
  return { imageBytes, responseBytes: text.length, limits };
}

interface RunPhases {
  direct: PhaseResult;
  gateway: PhaseResult;
  /** The reference gateway, where the scenario measures it (after the other two). */
  minimal?: PhaseResult;
  /** The Portkey gateway, where the scenario measures it (last). */
  portkey?: PhaseResult;
}

/** Direct and gateway phases of one run (order alternating), then the reference gateway. */
async function pair(
  s: Setup,
  sp: Specs,
  run: number,
  o: { drainMs?: number } = {},
): Promise<RunPhases> {
  const watch = [
    s.goodtake,
    s.fake,
    ...(s.minimal ? [s.minimal] : []),
    ...(s.portkey ? [s.portkey] : []),
  ];
  const opts = { watch, ...(o.drainMs !== undefined ? { drainMs: o.drainMs } : {}) };
  let out: RunPhases;
  if (run % 2 === 0) {
    const direct = await phase(sp.direct, opts);
    const gateway = await phase(sp.gateway, opts);
    out = { direct, gateway };
  } else {
    const gateway = await phase(sp.gateway, opts);
    const direct = await phase(sp.direct, opts);
    out = { direct, gateway };
  }
  if (sp.minimal) out.minimal = await phase(sp.minimal, opts);
  if (sp.portkey) out.portkey = await phase(sp.portkey, opts);
  return out;
}

async function warmUp(sp: Specs): Promise<void> {
  const short = (l: LoadSpec): LoadSpec => ({ ...l, durationS: 2 });
  await phase(short(sp.gateway), { watch: [] });
  await phase(short(sp.direct), { watch: [] });
  if (sp.minimal) await phase(short(sp.minimal), { watch: [] });
  if (sp.portkey) await phase(short(sp.portkey), { watch: [] });
}

/** Warms both paths up, then runs `ctx.runs` measured runs of `sp`. */
async function measuredRuns(ctx: Context, s: Setup, sp: Specs): Promise<Pairs> {
  await warmUp(sp);
  const pairs: Pairs = [];
  for (let r = 0; r < ctx.runs; r++) {
    ctx.progress(`run ${r + 1}/${ctx.runs}`);
    pairs.push(await pair(s, sp, r));
  }
  return pairs;
}

// Per-run figures of a phase.
const rps = (p: PhaseResult) => p.load.ok / p.load.seconds;
const cpuMs = (p: PhaseResult, who: string) => (p.usage[who]!.cpuS * 1000) / p.load.ok;
const errors = (p: PhaseResult) => p.load.failed + p.load.connErrors + p.load.timeouts;
const mb = (bytes: number) => bytes / MB;

type Pairs = RunPhases[];
const col = (pairs: Pairs, side: 'direct' | 'gateway', f: (p: PhaseResult) => number) =>
  stats(pairs.map((p) => f(p[side])));

/**
 * The reference gateway against goodtake, run by run: what goodtake costs beyond the work any
 * gateway with durable image URLs must do (bench/minimal-gateway.ts). `f` reads a phase and
 * the name of the gateway process in it.
 */
function referenceRow(
  id: string,
  metric: string,
  unit: string,
  pairs: Pairs,
  f: (p: PhaseResult, who: 'minimal' | 'goodtake') => number,
  derive: 'ratio' | 'diff' = 'ratio',
): Row {
  const measured = pairs.filter((p) => p.minimal);
  return row({
    scenario: id,
    metric,
    unit,
    note: 'baseline: the minimal reference gateway (bench/minimal-gateway.ts), same run',
    baseline: stats(measured.map((p) => f(p.minimal!, 'minimal'))),
    gateway: stats(measured.map((p) => f(p.gateway, 'goodtake'))),
    derive,
  });
}

/**
 * The Portkey gateway against goodtake, run by run (bench/peers.ts). No rows when Portkey
 * could not be installed.
 */
function portkeyRow(
  id: string,
  metric: string,
  unit: string,
  pairs: Pairs,
  f: (p: PhaseResult, who: 'portkey' | 'goodtake') => number,
  derive: 'ratio' | 'diff' = 'ratio',
): Row[] {
  const measured = pairs.filter((p) => p.portkey);
  if (measured.length === 0) return [];
  return [
    row({
      scenario: id,
      metric,
      unit,
      note: `baseline: the Portkey gateway (${PORTKEY_PACKAGE} ${PORTKEY_VERSION}, bench/peers.ts), same run`,
      baseline: stats(measured.map((p) => f(p.portkey!, 'portkey'))),
      gateway: stats(measured.map((p) => f(p.gateway, 'goodtake'))),
      derive,
    }),
  ];
}

function throughputRow(id: string, label: string, pairs: Pairs, target?: number): Row {
  return row({
    scenario: id,
    metric: `throughput, ${label}`,
    unit: 'req/s',
    baseline: col(pairs, 'direct', rps),
    gateway: col(pairs, 'gateway', rps),
    derive: 'ratio',
    ...(target !== undefined
      ? {
          target: {
            column: 'derived',
            on: 'median',
            op: '>=',
            bound: target,
            text: `≥ ${target} × direct`,
          },
        }
      : {}),
  });
}

function cpuRow(id: string, label: string, pairs: Pairs, target?: number): Row {
  return row({
    scenario: id,
    metric: `CPU per request, ${label}`,
    unit: 'ms',
    note: 'baseline: the fake upstream’s own CPU per direct request',
    baseline: col(pairs, 'direct', (p) => cpuMs(p, 'fake')),
    gateway: col(pairs, 'gateway', (p) => cpuMs(p, 'goodtake')),
    derive: 'ratio',
    ...(target !== undefined
      ? {
          target: {
            column: 'gateway',
            on: 'median',
            op: '<=',
            bound: target,
            text: `≤ ${target} ms`,
          },
        }
      : {}),
  });
}

function latencyRow(
  id: string,
  label: string,
  pairs: Pairs,
  q: 'p50' | 'p99',
  target?: number,
): Row {
  return row({
    scenario: id,
    metric: `${q} latency, ${label}`,
    unit: 'ms',
    baseline: col(pairs, 'direct', (p) => p.load.latencyMs[q]),
    gateway: col(pairs, 'gateway', (p) => p.load.latencyMs[q]),
    derive: 'diff',
    ...(target !== undefined
      ? {
          target: {
            column: 'derived',
            on: 'median',
            op: '<=',
            bound: target,
            text: `≤ +${target} ms`,
          },
        }
      : {}),
  });
}

function rssRow(id: string, label: string, pairs: Pairs, target?: number): Row {
  return row({
    scenario: id,
    metric: `peak RSS, ${label}`,
    unit: 'MB',
    note: 'baseline: the fake’s peak RSS on the direct path',
    baseline: col(pairs, 'direct', (p) => mb(p.usage.fake!.peakRss)),
    gateway: col(pairs, 'gateway', (p) => mb(p.usage.goodtake!.peakRss)),
    ...(target !== undefined
      ? {
          target: {
            column: 'gateway',
            on: 'max',
            op: '<=',
            bound: target,
            text: `≤ ${target} MB (every run)`,
          },
        }
      : {}),
  });
}

function errorRow(id: string, label: string, pairs: Pairs): Row {
  return row({
    scenario: id,
    metric: `errors, ${label}`,
    unit: 'requests',
    baseline: col(pairs, 'direct', errors),
    gateway: col(pairs, 'gateway', errors),
    target: { column: 'gateway', on: 'max', op: '<=', bound: 0, text: '0 (every run)' },
  });
}

const SMALL = 50 * 1024;
const SMALL_WORK: Workload = {
  model: 'seedream-4-0-250828',
  size: '1K',
  numberOfImages: 1,
  includeBase64: false,
};

/** 1. About 50 KB JPEG, URL response, 0 ms upstream: CPU at 50 connections, latency at 1. */
export async function scenario1(ctx: Context): Promise<ScenarioOutput> {
  const s = await setup(ctx, { latencyMs: 0, outputBytes: SMALL }, SMALL_WORK, { portkey: true });
  try {
    const sizes = await smoke(s, SMALL_WORK);
    const at50 = specs(s, SMALL_WORK, { connections: 50, durationS: ctx.durationS });
    const at1 = specs(s, SMALL_WORK, { connections: 1, durationS: ctx.durationS });
    await warmUp(at50);
    const wide: Pairs = [];
    const single: Pairs = [];
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress(`run ${r + 1}/${ctx.runs}: 50 connections`);
      wide.push(await pair(s, at50, r));
      ctx.progress(`run ${r + 1}/${ctx.runs}: 1 connection`);
      single.push(await pair(s, at1, r));
    }
    return {
      rows: [
        cpuRow('1', '50 conns', wide, 0.5),
        throughputRow('1', '50 conns', wide),
        latencyRow('1', '1 conn', single, 'p50', 1.5),
        latencyRow('1', '1 conn', single, 'p99'),
        cpuRow('1', '1 conn', single),
        referenceRow('1', 'CPU per request, 50 conns, vs reference', 'ms', wide, (p, who) =>
          cpuMs(p, who),
        ),
        referenceRow(
          '1',
          'p50 latency, 1 conn, vs reference',
          'ms',
          single,
          (p) => p.load.latencyMs.p50,
          'diff',
        ),
        ...portkeyRow('1', 'CPU per request, 50 conns, vs Portkey', 'ms', wide, cpuMs),
        ...portkeyRow('1', 'throughput, 50 conns, vs Portkey', 'req/s', wide, rps),
        ...portkeyRow('1', 'CPU per request, 1 conn, vs Portkey', 'ms', single, cpuMs),
        ...portkeyRow(
          '1',
          'p50 latency, 1 conn, vs Portkey',
          'ms',
          single,
          (p) => p.load.latencyMs.p50,
          'diff',
        ),
      ],
      raw: { sizes, wide, single },
    };
  } finally {
    await s.stop();
  }
}

/** 2. 50 ms upstream, 200 connections: throughput and tail latency against direct. */
export async function scenario2(ctx: Context): Promise<ScenarioOutput> {
  const s = await setup(ctx, { latencyMs: 50, outputBytes: SMALL }, SMALL_WORK, { portkey: true });
  try {
    const sizes = await smoke(s, SMALL_WORK);
    const sp = specs(s, SMALL_WORK, { connections: 200, durationS: ctx.durationS });
    const pairs = await measuredRuns(ctx, s, sp);
    return {
      rows: [
        throughputRow('2', '200 conns', pairs, 0.9),
        latencyRow('2', '200 conns', pairs, 'p99', 10),
        latencyRow('2', '200 conns', pairs, 'p50'),
        cpuRow('2', '200 conns', pairs),
        rssRow('2', '200 conns', pairs),
        referenceRow('2', 'throughput, 200 conns, vs reference', 'req/s', pairs, rps),
        referenceRow('2', 'CPU per request, 200 conns, vs reference', 'ms', pairs, (p, who) =>
          cpuMs(p, who),
        ),
        ...portkeyRow('2', 'throughput, 200 conns, vs Portkey', 'req/s', pairs, rps),
        ...portkeyRow(
          '2',
          'p99 latency, 200 conns, vs Portkey',
          'ms',
          pairs,
          (p) => p.load.latencyMs.p99,
          'diff',
        ),
        ...portkeyRow('2', 'CPU per request, 200 conns, vs Portkey', 'ms', pairs, cpuMs),
      ],
      raw: { sizes, pairs },
    };
  } finally {
    await s.stop();
  }
}

/** 3. 5,000 requests in flight at once against a 10 s upstream. */
export async function scenario3(
  ctx: Context,
  o: { inFlight: number; upstreamMs: number },
): Promise<ScenarioOutput> {
  const s = await setup(ctx, { latencyMs: o.upstreamMs, outputBytes: SMALL }, SMALL_WORK);
  try {
    const sizes = await smoke(s, SMALL_WORK);
    const sp = specs(s, SMALL_WORK, {
      connections: o.inFlight,
      durationS: 0,
      perConnection: 1,
      timeoutS: Math.ceil(o.upstreamMs / 1000) + 60,
    });
    const pairs: Pairs = [];
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress(`run ${r + 1}/${ctx.runs}: ${o.inFlight} in flight`);
      pairs.push(await pair(s, sp, r, { drainMs: 500 }));
    }
    const label = `${o.inFlight} in flight, ${o.upstreamMs / 1000} s upstream`;
    return {
      rows: [
        errorRow('3', label, pairs),
        // Issue 18's target (issue 7's was 300 MB).
        rssRow('3', label, pairs, 350),
        latencyRow('3', label, pairs, 'p50'),
        latencyRow('3', label, pairs, 'p99'),
        cpuRow('3', label, pairs),
        referenceRow('3', `peak RSS, ${label}, vs reference`, 'MB', pairs, (p, who) =>
          mb(p.usage[who]!.peakRss),
        ),
        referenceRow('3', `errors, ${label}, vs reference`, 'requests', pairs, errors, 'diff'),
      ],
      raw: { sizes, pairs },
    };
  } finally {
    await s.stop();
  }
}

/** 4. include_base64_encoding with about 2 MB images, 10 connections. */
export async function scenario4(ctx: Context): Promise<ScenarioOutput> {
  const work: Workload = {
    model: 'seedream-4-5-251128',
    size: '2K',
    numberOfImages: 1,
    includeBase64: true,
  };
  const s = await setup(ctx, { latencyMs: 0, outputBytes: 2 * MB });
  try {
    const sizes = await smoke(s, work);
    const sp = specs(s, work, { connections: 10, durationS: ctx.durationS });
    const pairs = await measuredRuns(ctx, s, sp);
    return {
      rows: [
        throughputRow('4', '2 MB + base64, 10 conns', pairs, 0.6),
        rssRow('4', '2 MB + base64, 10 conns', pairs),
        cpuRow('4', '2 MB + base64, 10 conns', pairs),
        latencyRow('4', '2 MB + base64, 10 conns', pairs, 'p50'),
      ],
      raw: { sizes, pairs },
    };
  } finally {
    await s.stop();
  }
}

/**
 * 7. How the cost grows: with connections (50 KB), with image size (URL response, 10
 * connections) and with number_of_images (50 KB, 10 connections). One run per point.
 */
export async function scenario7(ctx: Context): Promise<ScenarioOutput> {
  const s = await setup(ctx, { latencyMs: 0, outputBytes: SMALL });
  const durationS = Math.max(1, Math.min(ctx.durationS, 2));
  try {
    await smoke(s, SMALL_WORK);
    await warmUp(specs(s, SMALL_WORK, { connections: 10, durationS }));
    const rows: Row[] = [];
    const raw: Record<string, unknown> = {};
    const point = async (label: string, w: Workload, connections: number) => {
      ctx.progress(label);
      const p = await pair(s, specs(s, w, { connections, durationS }), 0);
      raw[label] = p;
      const n = w.numberOfImages;
      rows.push(
        row({
          scenario: '7',
          metric: `CPU per image, ${label}`,
          unit: 'ms',
          baseline: stats([cpuMs(p.direct, 'fake') / n]),
          gateway: stats([cpuMs(p.gateway, 'goodtake') / n]),
          derive: 'ratio',
        }),
        row({
          scenario: '7',
          metric: `images per second, ${label}`,
          unit: 'img/s',
          baseline: stats([rps(p.direct) * n]),
          gateway: stats([rps(p.gateway) * n]),
          derive: 'ratio',
        }),
      );
    };
    for (const c of [1, 10, 50, 200]) await point(`${c} conns, 50 KB`, SMALL_WORK, c);
    for (const bytes of [512 * 1024, 2 * MB]) {
      await fetch(`${s.fake.origin}/__fake/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outputBytes: bytes }),
      }).then((r) => r.body?.cancel());
      await point(`10 conns, ${bytes / 1024} KB`, SMALL_WORK, 10);
    }
    await fetch(`${s.fake.origin}/__fake/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outputBytes: SMALL }),
    }).then((r) => r.body?.cancel());
    for (const n of [2, 4]) {
      await point(
        `10 conns, 50 KB, number_of_images ${n}`,
        { ...SMALL_WORK, numberOfImages: n },
        10,
      );
    }
    return { rows, raw };
  } finally {
    await s.stop();
  }
}

export function scenarioDir(root: string, id: string): string {
  return join(root, `scenario-${id}`);
}
