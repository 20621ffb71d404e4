/**
 * Scenario 9: the OpenAI-compatible route against the native endpoint, the same generation
 * through both, run by run in the same goodtake process in front of the fake ModelArk. The
 * baseline is the native endpoint: the ratio is what OpenAI's request parsing, mapping and
 * response shape cost on top of the shared generation call.
 */
import { mkdirSync } from 'node:fs';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import type { LoadSpec } from './load.ts';
import { type PhaseResult, phase } from './phase.ts';
import { type BenchProcess, startFake, startGoodtake } from './procs.ts';
import { type Row, row, stats } from './stats.ts';

const PROMPT = 'bench: a lighthouse on a cliff at dusk';
const MB = 1024 * 1024;

interface Variant {
  readonly label: string;
  readonly outputBytes: number;
  readonly connections: number;
  readonly native: Record<string, unknown>;
  readonly openai: Record<string, unknown>;
}

const VARIANTS: readonly Variant[] = [
  {
    label: 'URL response, 50 KB, 50 conns',
    outputBytes: 50 * 1024,
    connections: 50,
    native: { prompt: PROMPT, model: 'seedream-4-0-250828', size: '1024x1024' },
    openai: { prompt: PROMPT, model: 'seedream-4-0-250828', size: '1024x1024' },
  },
  {
    label: 'base64, 2 MB, 10 conns',
    outputBytes: 2 * MB,
    connections: 10,
    native: {
      prompt: PROMPT,
      model: 'seedream-4-5-251128',
      size: '2K',
      include_base64_encoding: true,
    },
    openai: {
      prompt: PROMPT,
      model: 'seedream-4-5-251128',
      size: '2K',
      response_format: 'b64_json',
    },
  },
];

interface RunPair {
  readonly native: PhaseResult;
  readonly openai: PhaseResult;
}

const rps = (p: PhaseResult) => p.load.ok / p.load.seconds;
const cpuMs = (p: PhaseResult) => (p.usage.goodtake!.cpuS * 1000) / p.load.ok;
const errors = (p: PhaseResult) => p.load.failed + p.load.connErrors + p.load.timeouts;

function spec(
  g: BenchProcess & { key: string },
  path: string,
  body: unknown,
  v: Variant,
  s: number,
): LoadSpec {
  return {
    path: 'gateway',
    origin: g.origin,
    connections: v.connections,
    durationS: s,
    timeoutS: 30,
    requestPath: path,
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    images: 1,
  };
}

/** One request each way: both answer 200 before anything is measured. */
async function smoke(g: BenchProcess & { key: string }, a: LoadSpec, b: LoadSpec): Promise<void> {
  for (const s of [a, b]) {
    const res = await fetch(`${g.origin}${s.requestPath}`, {
      method: 'POST',
      headers: s.headers,
      body: s.body,
    });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`${s.requestPath} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

function rows(label: string, pairs: RunPair[]): Row[] {
  const col = (side: keyof RunPair, f: (p: PhaseResult) => number) =>
    stats(pairs.map((p) => f(p[side])));
  const note = 'baseline: the native endpoint, same request, same process, same run';
  return [
    row({
      scenario: '9',
      metric: `CPU per request, ${label}`,
      unit: 'ms',
      note,
      baseline: col('native', cpuMs),
      gateway: col('openai', cpuMs),
      derive: 'ratio',
    }),
    row({
      scenario: '9',
      metric: `throughput, ${label}`,
      unit: 'req/s',
      note,
      baseline: col('native', rps),
      gateway: col('openai', rps),
      derive: 'ratio',
    }),
    row({
      scenario: '9',
      metric: `p50 latency, ${label}`,
      unit: 'ms',
      note,
      baseline: col('native', (p) => p.load.latencyMs.p50),
      gateway: col('openai', (p) => p.load.latencyMs.p50),
      derive: 'diff',
    }),
    row({
      scenario: '9',
      metric: `errors, ${label}`,
      unit: 'requests',
      baseline: col('native', errors),
      gateway: col('openai', errors),
      target: { column: 'gateway', on: 'max', op: '<=', bound: 0, text: '0 (every run)' },
    }),
  ];
}

export async function scenario9(ctx: Context): Promise<ScenarioOutput> {
  const out: Row[] = [];
  const raw: Record<string, RunPair[]> = {};
  for (const [i, v] of VARIANTS.entries()) {
    const dir = `${ctx.dir}/variant-${i}`;
    mkdirSync(dir, { recursive: true });
    const fake = await startFake({ latencyMs: 0, outputBytes: v.outputBytes, dir });
    try {
      const g = await startGoodtake({
        dir,
        upstream: `${fake.origin}/api/v3`,
        logLevel: ctx.logLevel,
        ...(ctx.cpuProfDir ? { cpuProfDir: ctx.cpuProfDir } : {}),
      });
      try {
        const native = spec(g, '/api/v1/bytedance/generate-image', v.native, v, ctx.durationS);
        const openai = spec(g, '/v1/images/generations', v.openai, v, ctx.durationS);
        await smoke(g, native, openai);
        const watch = { watch: [g, fake] };
        await phase({ ...native, durationS: 2 }, { watch: [] });
        await phase({ ...openai, durationS: 2 }, { watch: [] });
        const pairs: RunPair[] = [];
        for (let r = 0; r < ctx.runs; r++) {
          ctx.progress(`${v.label}: run ${r + 1}/${ctx.runs}`);
          // Alternate which goes first, so warming and drift do not favour one side.
          if (r % 2 === 0) {
            const n = await phase(native, watch);
            pairs.push({ native: n, openai: await phase(openai, watch) });
          } else {
            const o = await phase(openai, watch);
            pairs.push({ native: await phase(native, watch), openai: o });
          }
        }
        out.push(...rows(v.label, pairs));
        raw[v.label] = pairs;
      } finally {
        await g.stop(30_000);
      }
    } finally {
      await fake.stop();
    }
  }
  return { rows: out, raw };
}
