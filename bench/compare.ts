/**
 * CPU per request of goodtake checkouts side by side, with the reference gateway, the lean
 * prototype (bench/lean-gateway.ts, with and without provenance) and the Portkey gateway, in
 * one run: what a change saves, measured against the same baselines at the same time.
 * Scenario 1's request (50 KB JPEG, URL response, 0 ms upstream unless `--upstream-ms`), but a
 * fixed number of requests per phase, every one completed before the CPU is read (a
 * timed phase on a loaded machine counts the CPU of requests still in flight and not their
 * completion). Phases alternate in order from round to round.
 *
 *   node bench/compare.ts [--rounds 5] [--requests 1000] [--connections 50] [--noprov] \
 *     [--lean-cpu-prof DIR] before=/path/to/checkout after=.
 *
 * `--noprov` also runs every checkout with GOODTAKE_PROVENANCE=off (as `<name>-noprov`), to set
 * beside `lean-noprov`; `--lean-cpu-prof` writes the lean prototypes' V8 CPU profiles to DIR;
 * `--lean-sync-write` adds `lean-noprov-sync`, the prototype writing its files synchronously.
 *
 * Each checkout needs its node_modules (a symlink to this one's is fine); the bench account is
 * made with this checkout's admin CLI, so the schemas must match.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bodies } from './http-scenarios.ts';
import type { LoadSpec } from './load.ts';
import { ensurePortkey, PORTKEY_PATH, portkeyHeaders, startPortkey } from './peers.ts';
import { phase } from './phase.ts';
import {
  type BenchProcess,
  createBenchKey,
  FAKE_API_KEY,
  freePort,
  goodtakeEnv,
  startFake,
  startLeanGateway,
  startListening,
  startMinimalGateway,
} from './procs.ts';
import { stats } from './stats.ts';

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    'upstream-ms': { type: 'string', default: '0' },
    noprov: { type: 'boolean', default: false },
    'lean-cpu-prof': { type: 'string' },
    'lean-sync-write': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const perConnection = Math.ceil(Number(values.requests) / connections);
const checkouts = positionals.flatMap((p) => {
  const [name, root] = p.split('=');
  if (!name || !root) throw new Error(`expected name=checkout, got '${p}'`);
  const env = { GOODTAKE_PROVENANCE: 'on' };
  const noprov = {
    name: `${name}-noprov`,
    root: resolve(root),
    env: { GOODTAKE_PROVENANCE: 'off' },
  };
  return [{ name, root: resolve(root), env }, ...(values.noprov ? [noprov] : [])];
});
if (checkouts.length === 0) throw new Error('name at least one checkout: name=path');

// Scenario 1's workload: the same client body, and the same upstream body goodtake sends.
const { gateway: gatewayBody, direct: upstreamBody } = bodies({
  model: 'seedream-4-0-250828',
  size: '1K',
  numberOfImages: 1,
  includeBase64: false,
});

const dir = mkdtempSync(join(tmpdir(), 'goodtake-compare-'));
const fake = await startFake({
  latencyMs: Number(values['upstream-ms']),
  outputBytes: 50 * 1024,
  dir,
});
const upstream = `${fake.origin}/api/v3`;
const common = { connections, durationS: 0, perConnection, timeoutS: 120, images: 1 };
const targets: Array<{ name: string; process: BenchProcess; spec: LoadSpec }> = [];
try {
  for (const c of checkouts) {
    const d = join(dir, c.name);
    mkdirSync(join(d, 'data'), { recursive: true });
    const port = await freePort();
    const env = goodtakeEnv({ dir: d, upstream, logLevel: 'info', env: c.env }, port);
    const key = createBenchKey(env);
    const proc = await startListening({
      name: c.name,
      dir: d,
      port,
      env,
      readyPath: '/healthz',
      args: () => [join(c.root, 'bin/goodtake.js'), 'serve'],
    });
    targets.push({
      name: c.name,
      process: proc,
      spec: {
        ...common,
        path: 'gateway',
        origin: proc.origin,
        requestPath: '/api/v1/bytedance/generate-image',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: gatewayBody,
      },
    });
  }
  const leans = [
    { name: 'lean', provenance: true, syncWrite: false },
    { name: 'lean-noprov', provenance: false, syncWrite: false },
    ...(values['lean-sync-write']
      ? [{ name: 'lean-noprov-sync', provenance: false, syncWrite: true }]
      : []),
  ];
  for (const { name, provenance, syncWrite } of leans) {
    const lean = await startLeanGateway({
      dir: join(dir, name),
      name,
      upstream,
      provenance,
      syncWrite,
      ...(values['lean-cpu-prof'] ? { cpuProfDir: resolve(values['lean-cpu-prof']) } : {}),
    });
    targets.push({
      name,
      process: lean,
      spec: {
        ...common,
        path: 'gateway',
        origin: lean.origin,
        requestPath: '/api/v1/bytedance/generate-image',
        headers: { authorization: `Bearer ${lean.key}`, 'content-type': 'application/json' },
        body: gatewayBody,
      },
    });
  }
  const minimal = await startMinimalGateway({ dir, upstream, upstreamBody });
  targets.push({
    name: 'minimal',
    process: minimal,
    spec: {
      ...common,
      path: 'gateway',
      origin: minimal.origin,
      requestPath: '/api/v1/bytedance/generate-image',
      headers: { 'content-type': 'application/json' },
      body: gatewayBody,
    },
  });
  const server = ensurePortkey((t) => process.stderr.write(`${t}\n`));
  if (server) {
    const portkey = await startPortkey({ dir, server });
    targets.push({
      name: 'portkey',
      process: portkey,
      spec: {
        ...common,
        path: 'peer',
        origin: portkey.origin,
        requestPath: PORTKEY_PATH,
        headers: portkeyHeaders(upstream, FAKE_API_KEY),
        body: upstreamBody,
      },
    });
  }
  // The direct path (the client calling the fake and downloading the image), for latency.
  targets.push({
    name: 'direct',
    process: fake,
    spec: {
      ...common,
      path: 'direct',
      origin: fake.origin,
      requestPath: '/api/v3/images/generations',
      headers: { authorization: `Bearer ${FAKE_API_KEY}`, 'content-type': 'application/json' },
      body: upstreamBody,
    },
  });
  const watch = [fake, ...targets.filter((t) => t.process !== fake).map((t) => t.process)];
  for (const t of targets) {
    await phase({ ...t.spec, perConnection: Math.ceil(perConnection / 2) }, { watch: [] });
  }
  const cpu: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const rps: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const p99: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const p = await phase(t.spec, { watch, drainMs: 300 });
      if (p.load.ok === 0) throw new Error(`${t.name}: no request completed`);
      const errors = p.load.failed + p.load.connErrors + p.load.timeouts;
      if (errors > 0) process.stderr.write(`${t.name}: ${errors} errors in round ${r + 1}\n`);
      cpu[t.name]!.push((p.usage[t.process.name]!.cpuS * 1000) / p.load.ok);
      p99[t.name]!.push(p.load.latencyMs.p99);
      rps[t.name]!.push(p.load.ok / p.load.seconds);
    }
    process.stderr.write(`round ${r + 1}/${rounds}, load average ${loadavg()[0]!.toFixed(1)}\n`);
  }
  const f = (n: number) => n.toFixed(2);
  const line = (label: string, xs: readonly number[]) => {
    const s = stats(xs);
    return `${label}: median ${f(s.median)} (${f(s.min)}-${f(s.max)}; ${xs.map(f).join(' ')})`;
  };
  const out: string[] = [
    `${rounds} rounds of ${perConnection * connections} requests at ${connections} connections; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  ];
  for (const t of targets) {
    const who = t.name === 'direct' ? 'direct (the fake’s)' : t.name;
    out.push(line(`${who} CPU ms per request`, cpu[t.name]!));
    out.push(line(`${t.name} requests/s`, rps[t.name]!));
    out.push(line(`${t.name} p99 ms`, p99[t.name]!));
    if (t.name !== 'direct') {
      const added = p99[t.name]!.map((v, i) => v - p99.direct![i]!);
      out.push(line(`${t.name} added p99 ms (vs direct, same round)`, added));
    }
  }
  const ratio = (a: string, b: string) =>
    line(
      `${a} / ${b} CPU per request`,
      cpu[a]!.map((v, i) => v / cpu[b]![i]!),
    );
  // Every gateway against the baselines; each checkout against the lean prototype of the
  // same provenance setting.
  const noprov = (name: string) => name.endsWith('-noprov');
  for (const t of targets) {
    if (['direct', 'minimal', 'portkey'].includes(t.name)) continue;
    const bases = t.name.startsWith('lean')
      ? ['minimal']
      : [
          ...checkouts
            .filter((x) => x.name !== t.name && noprov(x.name) === noprov(t.name))
            .map((x) => x.name),
          noprov(t.name) ? 'lean-noprov' : 'lean',
          'minimal',
        ];
    for (const base of bases) out.push(ratio(t.name, base));
    if (t.name === 'lean') out.push(ratio('lean', 'lean-noprov'));
    if (t.name === 'lean-noprov-sync') out.push(ratio(t.name, 'lean-noprov'));
    if (cpu.portkey) {
      out.push(ratio(t.name, 'portkey'));
      const r = rps[t.name]!.map((v, i) => v / rps.portkey![i]!);
      out.push(line(`${t.name} / portkey requests/s`, r));
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  for (const t of targets) if (t.process !== fake) await t.process.stop();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
}
