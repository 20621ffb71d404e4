/**
 * Memory and CPU of N generations held open at once, outside the full benchmark: starts the fake
 * ModelArk (answering after `--upstream-ms`) and `goodtake serve`, sends N generations at once
 * on N connections, and prints the server's resident memory idle, with all N waiting, and after
 * all answered, plus the CPU the server spent on the burst and the p50/p99 of the answers.
 *
 *   node bench/in-flight-probe.ts [--n 2000] [--upstream-ms 25000] [--node-arg=--max-semi-space-size=8]
 *   [--heap-snapshot]   also write heap snapshots idle and with all N waiting (into the probe's
 *                       directory, in that order; summarise with bench/heap-summary.ts). Writing a
 *                       snapshot takes memory of its own: the `answered` figures are then too high.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { cpuSeconds, startFake, startGoodtake } from './procs.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    'upstream-ms': { type: 'string', default: '25000' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'heap-snapshot': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const upstreamMs = Number(values['upstream-ms']);
const dir = mkdtempSync(join(tmpdir(), 'goodtake-probe-'));

function memory(pid: number): Record<string, string> {
  const lines = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  return Object.fromEntries(
    lines
      .filter((l) => /^(VmRSS|VmHWM|RssAnon):/.test(l))
      .map((l) => l.split(/:\s+/) as [string, string]),
  );
}

const fake = await startFake({ latencyMs: upstreamMs, outputBytes: 'small', dir });
const goodtake = await startGoodtake({
  dir,
  upstream: `${fake.origin}/api/v3`,
  logLevel: 'info',
  nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, ...values['node-arg']],
});
const agent = new Agent({ connections: n + 10, headersTimeout: 0, bodyTimeout: 0 });
const body = JSON.stringify({
  model: 'seedream-4-0-250828',
  prompt: 'a red fox in fresh snow',
  size: '1K',
});
const generate = () =>
  request(`${goodtake.origin}/api/v1/bytedance/generate-image`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${goodtake.key}`, 'content-type': 'application/json' },
    body,
  }).then(async (r) => {
    await r.body.text();
    return r.statusCode;
  });
try {
  await generate();
  await new Promise((r) => setTimeout(r, 1000));
  const report: Record<string, unknown> = { n, upstreamMs, nodeArgs: values['node-arg'] };
  report.idle = memory(goodtake.pid);
  if (values['heap-snapshot']) {
    // The snapshot is written on the server's event loop: it answers again once it is done.
    process.kill(goodtake.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    await fetch(`${goodtake.origin}/healthz`).then((r) => r.body?.cancel());
  }
  const t0 = Date.now();
  const cpu0 = cpuSeconds(goodtake.pid);
  const latencies: number[] = [];
  const all = Array.from({ length: n }, () =>
    generate().then(
      (status) => {
        latencies.push(Date.now() - t0);
        return status;
      },
      () => 0,
    ),
  );
  await new Promise((r) => setTimeout(r, Math.min(15_000, upstreamMs * 0.6)));
  report.waiting = memory(goodtake.pid);
  if (values['heap-snapshot']) process.kill(goodtake.pid, 'SIGUSR2');
  const statuses = await Promise.all(all);
  await new Promise((r) => setTimeout(r, 300));
  latencies.sort((a, b) => a - b);
  report.answered = memory(goodtake.pid);
  report.cpuSeconds = Number((cpuSeconds(goodtake.pid) - cpu0).toFixed(2));
  report.p50Ms = latencies[latencies.length >> 1];
  report.p99Ms = latencies[Math.floor(latencies.length * 0.99)];
  report.errors = statuses.filter((s) => s !== 200).length;
  report.dir = dir;
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await goodtake.stop();
  await fake.stop();
  await agent.close();
}
