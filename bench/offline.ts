/**
 * 5. The offline provider at 2K on one core: images per second, in a child process pinned to one
 * CPU (`taskset -c 0`), so that libvips' threads and the JavaScript share that one core. The
 * same-run baseline is the floor of any 2K image: JPEG-encoding the same picture (2048x2048,
 * the provider's JPEG settings) from raw pixels, in the same process.
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { createOfflineProvider } from '../src/providers/offline/offline-provider.ts';
import { JPEG_OPTIONS } from '../src/providers/offline/render.ts';
import type { Context, ScenarioOutput } from './http-scenarios.ts';
import { runBenchChild } from './procs.ts';
import { row, stats } from './stats.ts';

interface Measure {
  readonly perSecond: number;
  readonly cpuMsPerImage: number;
  readonly count: number;
}

const PROMPTS = [
  'a red fox in fresh snow',
  'a lighthouse on a cliff at dusk',
  'a bowl of ramen, studio lighting',
  'an old tram in Lisbon',
  'a field of sunflowers under a storm',
  'a robot watering plants',
  'a koi pond in autumn',
  'a desert city at night',
];

async function measure(seconds: number, once: (i: number) => Promise<unknown>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let count = 0;
  while (performance.now() - t0 < seconds * 1000) await once(count++);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: count / elapsed,
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / count,
    count,
  };
}

async function child(spec: { runs: number; seconds: number }): Promise<void> {
  const provider = createOfflineProvider({ concurrency: 1 });
  const generate = async (i: number): Promise<Uint8Array> => {
    const outcome = await provider.generate({
      model: 'seedream-4-5-251128',
      prompt: PROMPTS[i % PROMPTS.length]!,
      size: { kind: 'auto', tier: '2K' },
      mode: 'standard',
      index: 0,
      sources: [],
      signal: new AbortController().signal,
    });
    if (!outcome.ok) throw new Error(outcome.failure.message);
    return outcome.image.bytes;
  };
  // Warm up, and take a real 2K picture as the baseline's input.
  const sample = await generate(0);
  await generate(1);
  const raw = await sharp(sample).raw().toBuffer({ resolveWithObject: true });
  const meta = raw.info;
  if (meta.width !== 2048 || meta.height !== 2048) {
    throw new Error(`expected 2048x2048, got ${meta.width}x${meta.height}`);
  }
  const encode = () =>
    sharp(raw.data, { raw: { width: meta.width, height: meta.height, channels: meta.channels } })
      .jpeg(JPEG_OPTIONS)
      .toBuffer();
  await encode();
  const offline: Measure[] = [];
  const baseline: Measure[] = [];
  for (let r = 0; r < spec.runs; r++) {
    if (r % 2 === 0) {
      baseline.push(await measure(spec.seconds / 2, encode));
      offline.push(await measure(spec.seconds, generate));
    } else {
      offline.push(await measure(spec.seconds, generate));
      baseline.push(await measure(spec.seconds / 2, encode));
    }
  }
  process.stdout.write(
    `${JSON.stringify({ offline, baseline, sampleBytes: sample.byteLength, threads: sharp.concurrency() })}\n`,
  );
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

export async function scenario5(ctx: Context): Promise<ScenarioOutput> {
  const pinned = hasTaskset();
  const spec = { runs: ctx.runs, seconds: Math.max(2, ctx.durationS + 1) };
  ctx.progress(
    `${ctx.runs} runs${pinned ? ', pinned to CPU 0' : ' (taskset missing: not pinned)'}`,
  );
  const r = await runBenchChild<{
    offline: Measure[];
    baseline: Measure[];
    sampleBytes: number;
    threads: number;
  }>('bench/offline.ts', spec, pinned ? ['taskset', '-c', '0'] : []);
  const note = pinned ? 'one core (taskset -c 0)' : 'NOT pinned to one core';
  return {
    rows: [
      row({
        scenario: '5',
        metric: `offline 2K images per second, ${note}`,
        unit: 'img/s',
        note: 'baseline: JPEG-encoding the same 2048x2048 picture',
        baseline: stats(r.baseline.map((m) => m.perSecond)),
        gateway: stats(r.offline.map((m) => m.perSecond)),
        derive: 'ratio',
      }),
      row({
        scenario: '5',
        metric: 'offline 2K CPU per image',
        unit: 'ms',
        baseline: stats(r.baseline.map((m) => m.cpuMsPerImage)),
        gateway: stats(r.offline.map((m) => m.cpuMsPerImage)),
        derive: 'ratio',
      }),
    ],
    raw: { ...r, pinned },
  };
}

if (import.meta.main) {
  await child(JSON.parse(process.argv[2] ?? '{}') as { runs: number; seconds: number });
}
