/**
 * The load generator: a process of its own running autocannon (programmatic API), so its CPU is
 * neither goodtake's nor the fake's. Started by bench/run.ts with a JSON spec as argument; prints
 * `ready`, waits for a line on stdin, runs, prints one JSON result line, exits.
 *
 *   gateway: each iteration is one POST /api/v1/bytedance/generate-image.
 *   direct:  each iteration is what a client without goodtake does for the same images: for
 *            each image, POST /api/v3/images/generations to the fake (the body goodtake sends),
 *            then GET the returned URL, on the same keep-alive connection (an autocannon request
 *            sequence). Its latency is the sum of the steps.
 *   peer:    the same for another gateway that answers with the upstream's own image URL (the
 *            Portkey gateway, bench/peers.ts): POST to the gateway, then GET the URL from the
 *            upstream. The two requests go to two origins, which an autocannon client cannot
 *            do, so this path is driven by undici (one keep-alive pool per origin, `connections`
 *            iterations in flight); latency is from the POST to the end of the image body.
 *
 * Latencies are recorded from autocannon's per-response timings (hrtime, sub-millisecond), not
 * from its histogram (whole milliseconds).
 */
import autocannon, { type Client } from 'autocannon';
import { Pool } from 'undici';

export interface LoadSpec {
  readonly path: 'gateway' | 'direct' | 'peer';
  readonly origin: string;
  readonly connections: number;
  /** Run for this long (ignored when `perConnection` is set). */
  readonly durationS: number;
  /** Each connection makes exactly this many iterations, then closes. */
  readonly perConnection?: number;
  /** Give up on one response after this long (counted as a timeout). */
  readonly timeoutS: number;
  readonly requestPath: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** direct: POST + GET pairs per iteration (number_of_images). */
  readonly images: number;
}

export interface LoadResult {
  /** Iterations that ended with every response 2xx. */
  readonly ok: number;
  /** Iterations ended by a non-2xx response. */
  readonly failed: number;
  readonly connErrors: number;
  readonly timeouts: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly latencyMs: Percentiles;
  readonly loaderCpuS: number;
  readonly bytesIn: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function percentiles(samples: Float64Array): Percentiles {
  if (samples.length === 0)
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = samples.slice().sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** The `peer` path: POST to the gateway, GET the image URL it answers with, per iteration. */
async function runPeer(spec: LoadSpec): Promise<LoadResult> {
  const pools = new Map<string, Pool>();
  const pool = (origin: string) => {
    let p = pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
        connections: spec.connections,
        headersTimeout: spec.timeoutS * 1000,
        bodyTimeout: spec.timeoutS * 1000,
      });
      pools.set(origin, p);
    }
    return p;
  };
  const gateway = pool(spec.origin);
  let samples = new Float64Array(1 << 16);
  let count = 0;
  let ok = 0;
  let failed = 0;
  let connErrors = 0;
  let timeouts = 0;
  let bytesIn = 0;
  const statuses: Record<string, number> = {};
  const count1 = (status: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + spec.durationS * 1000;
  const iteration = async (): Promise<void> => {
    const start = performance.now();
    const reply = await gateway.request({
      method: 'POST',
      path: spec.requestPath,
      headers: spec.headers,
      body: spec.body,
    });
    const text = await reply.body.text();
    bytesIn += text.length;
    count1(reply.statusCode);
    if (reply.statusCode < 200 || reply.statusCode >= 300) {
      failed++;
      return;
    }
    const urls = ((JSON.parse(text) as { data?: Array<{ url?: string }> }).data ?? []).map(
      (d) => d.url,
    );
    for (const url of urls) {
      if (!url) continue;
      const u = new URL(url);
      const image = await pool(u.origin).request({
        method: 'GET',
        path: `${u.pathname}${u.search}`,
      });
      const bytes = await image.body.arrayBuffer();
      bytesIn += bytes.byteLength;
      count1(image.statusCode);
      if (image.statusCode !== 200) {
        failed++;
        return;
      }
    }
    ok++;
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = performance.now() - start;
  };
  const worker = async (): Promise<void> => {
    let left = spec.perConnection ?? Number.POSITIVE_INFINITY;
    while (left-- > 0 && (spec.perConnection !== undefined || performance.now() < end)) {
      try {
        await iteration();
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (code.includes('TIMEOUT')) timeouts++;
        else connErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all([...pools.values()].map((p) => p.close()));
  return {
    ok,
    failed,
    connErrors,
    timeouts,
    statuses,
    seconds,
    latencyMs: percentiles(samples.subarray(0, count)),
    loaderCpuS: (cpu.user + cpu.system) / 1e6,
    bytesIn,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  if (spec.path === 'peer') return runPeer(spec);
  const steps = spec.path === 'gateway' ? 1 : spec.images * 2;
  const post = { method: 'POST', path: spec.requestPath, headers: spec.headers, body: spec.body };
  const requests =
    spec.path === 'gateway'
      ? [post]
      : Array.from({ length: spec.images }, () => [
          {
            ...post,
            onResponse: (status: number, body: string, context: Record<string, unknown>) => {
              context.next = undefined;
              if (status !== 200) return;
              const url = (JSON.parse(body) as { data?: Array<{ url?: string }> }).data?.[0]?.url;
              if (url) {
                const u = new URL(url);
                context.next = `${u.pathname}${u.search}`;
              }
            },
          },
          {
            method: 'GET',
            setupRequest: (request: object, context: Record<string, unknown>) =>
              typeof context.next === 'string'
                ? { ...request, method: 'GET', path: context.next, body: '' }
                : null,
          },
        ]).flat();

  let samples = new Float64Array(1 << 16);
  let count = 0;
  let ok = 0;
  let failed = 0;
  let connErrors = 0;
  let bytesIn = 0;
  const statuses: Record<string, number> = {};
  // Per connection: time of the iteration so far.
  const elapsed = new Map<Client, number>();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const instance = autocannon({
    url: spec.origin,
    connections: spec.connections,
    ...(spec.perConnection
      ? { amount: spec.perConnection * steps * spec.connections }
      : { duration: spec.durationS }),
    timeout: spec.timeoutS,
    requests,
  });
  instance.on('response', (client, status, bytes, ms) => {
    bytesIn += bytes;
    const step = client.requestIterator.currentRequestIndex;
    const total = (step === 0 ? 0 : (elapsed.get(client) ?? 0)) + ms;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status < 200 || status >= 300) {
      failed++;
      elapsed.delete(client);
      return;
    }
    if (step < steps - 1) {
      elapsed.set(client, total);
      return;
    }
    elapsed.delete(client);
    ok++;
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = total;
  });
  instance.on('reqError', () => {
    connErrors++;
  });
  // A hard bound whatever happens (a stuck connection, a server that stopped answering).
  const bound = setTimeout(
    () => instance.stop(),
    (spec.perConnection ? spec.timeoutS * spec.perConnection * steps + 30 : spec.durationS + 30) *
      1000,
  );
  const result = await new Promise<{ timeouts: number }>((done) => instance.on('done', done));
  clearTimeout(bound);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    ok,
    failed,
    connErrors: connErrors - result.timeouts,
    timeouts: result.timeouts,
    statuses,
    seconds,
    latencyMs: percentiles(samples.subarray(0, count)),
    loaderCpuS: (cpu.user + cpu.system) / 1e6,
    bytesIn,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  process.stdout.write('ready\n');
  await new Promise<void>((go) => process.stdin.once('data', () => go()));
  process.stdin.pause();
  const result = await run(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
