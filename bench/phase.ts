/**
 * One measured phase: a load-generator process drives one path while the CPU time and peak RSS
 * of goodtake and the fake are read from /proc just before the load starts and right after it
 * ends (plus a short drain, so work of requests still in flight is counted, never hidden).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from './load.ts';
import { type BenchProcess, cpuSeconds, memory, NODE, ROOT, resetPeak } from './procs.ts';

export interface ProcessUsage {
  /** CPU seconds (user + system, all threads) during the phase. */
  readonly cpuS: number;
  /** Peak RSS during the phase (VmHWM reset at the start), bytes. */
  readonly peakRss: number;
  /** RSS at the end of the phase, bytes. */
  readonly endRss: number;
}

export interface PhaseResult {
  readonly spec: Omit<LoadSpec, 'headers' | 'body'>;
  readonly load: LoadResult;
  readonly usage: Record<string, ProcessUsage>;
}

/** Runs the load generator in its own process and returns its result. */
async function loadProcess(
  spec: LoadSpec,
  onStart: () => void,
  extraArgs: string[] = [],
): Promise<LoadResult> {
  const child = spawn(NODE, [...extraArgs, 'bench/load.ts', JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let result: LoadResult | undefined;
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  for await (const line of lines) {
    if (line === 'ready') {
      onStart();
      child.stdin!.write('go\n');
      child.stdin!.end();
    } else if (line.startsWith('{')) {
      result = JSON.parse(line) as LoadResult;
    }
  }
  const code = await exited;
  if (!result) throw new Error(`load generator exited with ${code} and no result`);
  return result;
}

export interface PhaseOptions {
  /** Processes whose CPU and memory are measured. */
  readonly watch: readonly BenchProcess[];
  /** Wait after the load ends before the final reading, so in-flight work is counted. */
  readonly drainMs?: number;
  /** Raise the load generator's open-file limit (scenario 3). */
  readonly loaderArgs?: string[];
}

export async function phase(spec: LoadSpec, o: PhaseOptions): Promise<PhaseResult> {
  const before = new Map<string, number>();
  const sampled = new Map<string, number>();
  let sampler: ReturnType<typeof setInterval> | undefined;
  const load = await loadProcess(
    spec,
    () => {
      for (const p of o.watch) {
        // Where VmHWM cannot be reset, RSS is sampled every 50 ms instead.
        if (!resetPeak(p.pid)) sampled.set(p.name, 0);
        before.set(p.name, cpuSeconds(p.pid));
      }
      if (sampled.size > 0) {
        sampler = setInterval(() => {
          for (const p of o.watch) {
            if (sampled.has(p.name))
              sampled.set(p.name, Math.max(sampled.get(p.name)!, memory(p.pid).rss));
          }
        }, 50);
      }
    },
    o.loaderArgs,
  );
  await delay(o.drainMs ?? 250);
  if (sampler) clearInterval(sampler);
  const usage: Record<string, ProcessUsage> = {};
  for (const p of o.watch) {
    const m = memory(p.pid);
    usage[p.name] = {
      cpuS: cpuSeconds(p.pid) - before.get(p.name)!,
      peakRss: sampled.has(p.name) ? Math.max(sampled.get(p.name)!, m.rss) : m.peak,
      endRss: m.rss,
    };
  }
  const { headers: _h, body: _b, ...shown } = spec;
  return { spec: shown, load, usage };
}
