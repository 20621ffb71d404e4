/**
 * 8. The cost of provenance per image: CPU and added bytes at 1K, 2K and 4K, the per-image path
 * (normalise, mark, hash as storage does) with provenance on (IPTC XMP + signed C2PA manifest)
 * against the same path with provenance off, alternating in the same child process. Inputs
 * are the offline provider's JPEGs at each tier (square prompts). A breakdown at 2K says what
 * the C2PA part is made of: the XMP splice, c2pa-rs's fixed cost (a 64x64 image), the COSE
 * signature goodtake computes, and what hashing the same bytes natively would cost.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RequestedSize } from '../src/contract/sizes.ts';
import { normalizeImage } from '../src/images/normalize.ts';
import { createLogger } from '../src/log.ts';
import { coseReserveSize, coseSign1 } from '../src/provenance/c2pa/cose.ts';
import { loadSigningCredentials } from '../src/provenance/c2pa/credentials.ts';
import { openProvenance } from '../src/provenance/open.ts';
import type { Provenance } from '../src/provenance/provenance.ts';
import { createOfflineProvider } from '../src/providers/offline/offline-provider.ts';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import { runBenchChild } from './procs.ts';
import { row, stats } from './stats.ts';

const TIERS = ['1K', '2K', '4K'] as const;
const MODEL = 'seedream-4-0-250828' as const;

interface Measure {
  readonly cpuMs: number;
  readonly count: number;
}

async function measure(seconds: number, once: (i: number) => Promise<unknown>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let count = 0;
  while (performance.now() - t0 < seconds * 1000 || count < 3) await once(count++);
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / count, count };
}

interface TierResult {
  readonly tier: string;
  readonly width: number;
  readonly inputBytes: number;
  readonly addedBytes: number;
  readonly off: number[];
  readonly on: number[];
  readonly xmpOnly: number[];
}

async function child(spec: { runs: number; seconds: number }): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-bench-provenance-'));
  const log = createLogger('silent');
  const open = (xmp: boolean, c2pa: boolean) =>
    openProvenance({
      config: { parts: { xmp, c2pa }, cert: undefined, key: undefined },
      dataDir,
      database: 'sqlite',
      version: 'bench',
      log,
    });
  const variants: Record<'off' | 'on' | 'xmpOnly', Provenance> = {
    off: await open(false, false),
    on: await open(true, true),
    xmpOnly: await open(true, false),
  };
  const provider = createOfflineProvider({ concurrency: 1 });
  const context = {
    model: MODEL,
    provider: 'offline',
    sources: [],
    createdAt: new Date(),
    title: 'x.jpg',
  };
  const path = async (bytes: Uint8Array, size: RequestedSize, provenance: Provenance) => {
    const image = await normalizeImage(bytes, size, MODEL);
    const marked = await provenance.mark(image, context);
    if (!marked.ok) throw new Error(marked.reason);
    createHash('sha256').update(marked.image.bytes).digest();
    return marked.image.bytes;
  };

  const cases: Array<{ tier: string; size: RequestedSize; input: Uint8Array }> = [];
  for (const tier of TIERS) {
    const size: RequestedSize = { kind: 'auto', tier };
    const out = await provider.generate({
      model: MODEL,
      prompt: 'a square bowl of ramen, studio lighting, 1:1',
      size,
      mode: 'standard',
      index: 0,
      sources: [],
      signal: new AbortController().signal,
    });
    if (!out.ok) throw new Error(out.failure.message);
    cases.push({ tier, size, input: out.image.bytes });
  }
  // The offline provider's flat scenes compress far better than a model's detailed output;
  // a photographic 2K JPEG (blurred noise, quality 90) is the size upstream images have.
  const photo = await sharp({
    create: {
      width: 2048,
      height: 2048,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .blur(1.2)
    .jpeg({ quality: 90 })
    .toBuffer();
  cases.push({ tier: '2K photographic', size: { kind: 'auto', tier: '2K' }, input: photo });

  const tiers: TierResult[] = [];
  let twoK: Uint8Array | undefined;
  for (const { tier, size, input } of cases) {
    if (tier === '2K') twoK = input;
    const width = (await sharp(input).metadata()).width ?? 0;
    const marked = await path(input, size, variants.on);
    await path(input, size, variants.off);
    await path(input, size, variants.xmpOnly);
    const result: TierResult = {
      tier,
      width,
      inputBytes: input.byteLength,
      addedBytes: marked.byteLength - input.byteLength,
      off: [],
      on: [],
      xmpOnly: [],
    };
    for (let r = 0; r < spec.runs; r++) {
      const order =
        r % 2 === 0 ? (['off', 'on', 'xmpOnly'] as const) : (['on', 'off', 'xmpOnly'] as const);
      for (const v of order) {
        result[v].push((await measure(spec.seconds, () => path(input, size, variants[v]))).cpuMs);
      }
    }
    tiers.push(result);
  }

  // The breakdown, at 2K.
  const credentials = await loadSigningCredentials({
    cert: undefined,
    key: undefined,
    dataDir,
    database: 'sqlite',
  });
  if (!credentials.ok) throw new Error(credentials.message);
  const key = credentials.key;
  const claim = new Uint8Array(1200).fill(7);
  const reserve = coseReserveSize(key);
  const cose = await measure(1, async () => coseSign1(key, claim, reserve));
  const tiny = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#555' } })
    .jpeg()
    .toBuffer();
  const tinySize: RequestedSize = { kind: 'exact', width: 64, height: 64 };
  const fixed = await measure(1, () => path(tiny, tinySize, variants.on));
  const fixedOff = await measure(1, () => path(tiny, tinySize, variants.off));
  const bytes2k = twoK!;
  const nativeHash = await measure(1, async () => createHash('sha256').update(bytes2k).digest());
  const nativeHashPhoto = await measure(1, async () => createHash('sha256').update(photo).digest());
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      tiers,
      breakdown: {
        coseSignMs: cose.cpuMs,
        c2paFixedMs: fixed.cpuMs - fixedOff.cpuMs,
        nativeSha256Ms2K: nativeHash.cpuMs,
        nativeSha256MsPhoto: nativeHashPhoto.cpuMs,
        photoBytes: photo.byteLength,
        algorithm: key.algorithm,
      },
    })}\n`,
  );
}

export async function scenario8(ctx: Context): Promise<ScenarioOutput> {
  const spec = { runs: ctx.runs, seconds: Math.max(1, ctx.durationS / 2) };
  ctx.progress(`${ctx.runs} runs of ${spec.seconds} s per variant and tier`);
  const r = await runBenchChild<{
    tiers: TierResult[];
    breakdown: {
      coseSignMs: number;
      c2paFixedMs: number;
      nativeSha256Ms2K: number;
      nativeSha256MsPhoto: number;
      photoBytes: number;
      algorithm: string;
    };
  }>('bench/provenance.ts', spec);
  const rows = r.tiers.flatMap((t) => [
    row({
      scenario: '8',
      metric: `${t.tier} (${t.width} px, ${Math.round(t.inputBytes / 1024)} KB): CPU per image, provenance on vs off`,
      unit: 'ms',
      note: 'added ms = on - off (normalise, mark, hash)',
      baseline: stats(t.off),
      gateway: stats(t.on),
      derive: 'diff',
      ...(t.tier.startsWith('2K')
        ? {
            target: {
              column: 'derived' as const,
              on: 'median' as const,
              op: '<=' as const,
              bound: 2,
              text: 'provenance under 2 ms of CPU per 2K image',
            },
          }
        : {}),
    }),
    row({
      scenario: '8',
      metric: `${t.tier}: CPU per image, IPTC XMP only vs off`,
      unit: 'ms',
      baseline: stats(t.off),
      gateway: stats(t.xmpOnly),
      derive: 'diff',
    }),
    row({
      scenario: '8',
      metric: `${t.tier}: bytes added per image (XMP + C2PA manifest)`,
      unit: 'B',
      gateway: stats([t.addedBytes]),
    }),
  ]);
  const b = r.breakdown;
  rows.push(
    row({
      scenario: '8',
      metric: `C2PA breakdown: COSE ${b.algorithm} signature (goodtake, node:crypto)`,
      unit: 'ms',
      gateway: stats([b.coseSignMs]),
    }),
    row({
      scenario: '8',
      metric: 'C2PA breakdown: fixed cost of a manifest (64x64 image, on - off)',
      unit: 'ms',
      gateway: stats([b.c2paFixedMs]),
    }),
    row({
      scenario: '8',
      metric:
        'C2PA breakdown: SHA-256 of the offline 2K image in native code (what hashing costs there)',
      unit: 'ms',
      gateway: stats([b.nativeSha256Ms2K]),
    }),
    row({
      scenario: '8',
      metric: `C2PA breakdown: SHA-256 of the photographic 2K image (${Math.round(b.photoBytes / 1024)} KB) in native code`,
      unit: 'ms',
      gateway: stats([b.nativeSha256MsPhoto]),
    }),
  );
  return { rows, raw: r };
}

if (import.meta.main) {
  await child(JSON.parse(process.argv[2] ?? '{}') as { runs: number; seconds: number });
}
