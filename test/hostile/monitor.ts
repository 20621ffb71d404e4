import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NODE } from '../helpers/processes.ts';

/** One phase's figures, as the second client saw them. */
export interface PhaseFigures {
  /** /healthz round trips: the slowest, and the median, in milliseconds. */
  readonly healthMaxMs: number;
  readonly healthMedianMs: number;
  readonly healthSamples: number;
  /** /healthz requests that failed (no answer, or not 200). */
  readonly healthFailures: number;
  /** The server's own event-loop delay, the largest seen (from /metrics), in milliseconds. */
  readonly lagMaxMs: number;
  /** The server's resident memory: the largest and the last sample, in MB. */
  readonly rssMaxMb: number;
  readonly rssLastMb: number;
}

interface Sample {
  readonly t: number;
  readonly healthMs?: number;
  readonly healthFailed?: true;
  readonly lagMs?: number;
  readonly rssMb?: number;
}

/**
 * Starts the second client (monitor-process.ts) against `baseUrl`. Phases are time windows:
 * `phase(name)` starts one, and `figures(name)` sums up the samples taken while it lasted.
 */
export function startMonitor(baseUrl: string, metricsToken: string) {
  const child = spawn(NODE, [join(import.meta.dirname, 'monitor-process.ts'), baseUrl], {
    env: { ...process.env, GOODTAKE_METRICS_TOKEN: metricsToken },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const samples: Sample[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line) samples.push(JSON.parse(line) as Sample);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const phases: Array<{ name: string; from: number }> = [];

  return {
    /** Resolves once the monitor has taken its first samples. */
    async ready() {
      while (samples.filter((s) => s.rssMb !== undefined).length < 2) {
        if (child.exitCode !== null) throw new Error('the monitor process exited');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    phase(name: string) {
      phases.push({ name, from: Date.now() });
    },
    figures(name: string): PhaseFigures {
      const at = phases.findIndex((p) => p.name === name);
      const from = phases[at]?.from ?? 0;
      const to = phases[at + 1]?.from ?? Number.POSITIVE_INFINITY;
      const of = samples.filter((s) => s.t >= from && s.t < to);
      const health = of.flatMap((s) => (s.healthMs === undefined ? [] : [s.healthMs]));
      const lag = of.flatMap((s) => (s.lagMs === undefined ? [] : [s.lagMs]));
      const rss = of.flatMap((s) => (s.rssMb === undefined ? [] : [s.rssMb]));
      const sorted = [...health].sort((a, b) => a - b);
      return {
        healthMaxMs: Math.round(Math.max(0, ...health)),
        healthMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
        healthSamples: health.length,
        healthFailures: of.filter((s) => s.healthFailed).length,
        lagMaxMs: Math.round(Math.max(0, ...lag)),
        rssMaxMb: Math.round(Math.max(0, ...rss)),
        rssLastMb: Math.round(rss.at(-1) ?? 0),
      };
    },
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
