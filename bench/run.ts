/**
 * goodtake's benchmark. `npm run bench` runs every scenario; `npm run bench -- --scenario 2`
 * (or `npm run bench:one -- 2`) runs some. Prints one table and writes it, with every per-run
 * figure, as JSON into bench/results/. See docs/performance.md for the method.
 *
 * Options:
 *   --scenario 1,2,...   scenarios to run (1-12; default all)
 *   --runs N             measured runs per scenario (default 3; scenarios 3 and 7: 1)
 *   --duration S         seconds per measured phase (default 3)
 *   --in-flight N        scenario 3: requests in flight at once (default 5000)
 *   --upstream-ms N      scenario 3: upstream latency (default 10000)
 *   --log-level L        goodtake's LOG_LEVEL (default info: one JSON line per request, to a file)
 *   --cpu-prof           write a V8 CPU profile of each goodtake server into bench/results/profiles
 *   --keep               keep the scenario directories (data, logs) in the temp dir
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scenario12 } from './cold-start.ts';
import { scenario10 } from './failover.ts';
import {
  type Context,
  type ScenarioOutput,
  scenario1,
  scenario2,
  scenario3,
  scenario4,
  scenario7,
  scenarioDir,
} from './http-scenarios.ts';
import { scenario11 } from './jobs.ts';
import { scenario6 } from './ledger.ts';
import { scenario5 } from './offline.ts';
import { scenario9 } from './openai.ts';
import { ROOT } from './procs.ts';
import { scenario8 } from './provenance.ts';
import { markdownTable, type Row } from './stats.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: '1,2,3,4,5,6,7,8,9,10,11,12' },
    runs: { type: 'string' },
    duration: { type: 'string', default: '3' },
    'in-flight': { type: 'string', default: '5000' },
    'upstream-ms': { type: 'string', default: '10000' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const positive = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got '${raw}'`);
    process.exit(2);
  }
  return n;
};

const TITLES: Record<string, string> = {
  '1': 'small image (50 KB), URL response, 0 ms upstream',
  '2': '50 ms upstream, 200 connections',
  '3': 'long generations: many requests in flight',
  '4': 'include_base64_encoding, 2 MB images, 10 connections',
  '5': 'offline provider at 2K, one core',
  '6': 'ledger and limiter alone',
  '7': 'how cost grows: connections, image size, number_of_images',
  '8': 'provenance per image (IPTC XMP + C2PA): CPU and bytes at 1K, 2K, 4K',
  '9': 'the OpenAI-compatible route against the native endpoint',
  '10': 'the first route answers 500: failing over, before and after the circuit opens',
  '11': 'asynchronous generations: submit rate, and 10,000 queued across 100 accounts',
  '12': 'cold start: the server to its first answer, and one admin CLI command',
};

const chosen = values.scenario
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const id of chosen) {
  if (!TITLES[id]) {
    console.error(`unknown scenario '${id}' (1-12)`);
    process.exit(2);
  }
}
const runsOverride = values.runs === undefined ? undefined : positive('runs', values.runs);
const durationS = positive('duration', values.duration);
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const cpuProfDir = values['cpu-prof'] ? join(resultsDir, 'profiles', stamp) : undefined;
const tmp = mkdtempSync(join(tmpdir(), 'goodtake-bench-'));

const progress = (id: string) => (text: string) => process.stderr.write(`[bench ${id}] ${text}\n`);

function context(id: string, defaultRuns = 3): Context {
  return {
    runs: Math.round(runsOverride ?? defaultRuns),
    durationS,
    logLevel: values['log-level'],
    cpuProfDir: cpuProfDir ? join(cpuProfDir, `scenario-${id}`) : undefined,
    dir: scenarioDir(tmp, id),
    progress: progress(id),
  };
}

const scenarios: Record<string, () => Promise<ScenarioOutput>> = {
  '1': () => scenario1(context('1')),
  '2': () => scenario2(context('2')),
  '3': () =>
    scenario3(context('3', 1), {
      inFlight: Math.round(positive('in-flight', values['in-flight'])),
      upstreamMs: Math.round(positive('upstream-ms', values['upstream-ms'])),
    }),
  '4': () => scenario4(context('4')),
  '5': () => scenario5(context('5')),
  '6': () => scenario6(context('6')),
  '7': () => scenario7(context('7', 1)),
  '8': () => scenario8(context('8')),
  '9': () => scenario9(context('9')),
  '10': () => scenario10(context('10')),
  '11': () => scenario11(context('11')),
  '12': () => scenario12(context('12', 5)),
};

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}

const started = Date.now();
const environment = {
  node: process.version,
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  loadAverageAtStart: loadavg(),
  commit: gitCommit(),
  options: { ...values, runs: runsOverride, durationS },
};
const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const timings: Record<string, number> = {};
let failed = false;

for (const id of chosen) {
  const t0 = Date.now();
  progress(id)(`${TITLES[id]}`);
  try {
    const out = await scenarios[id]!();
    rows.push(...out.rows);
    raw[id] = out.raw;
  } catch (err) {
    failed = true;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`[bench ${id}] FAILED: ${message}\n`);
    rows.push({ scenario: id, metric: `FAILED: ${String(err).split('\n')[0]}`, unit: '' });
    raw[id] = { error: message };
  }
  timings[id] = (Date.now() - t0) / 1000;
  progress(id)(`done in ${timings[id]!.toFixed(0)} s`);
}

const totalS = (Date.now() - started) / 1000;
const table = markdownTable(rows);
const result = {
  startedAt: new Date(started).toISOString(),
  totalSeconds: totalS,
  scenarioSeconds: timings,
  environment: { ...environment, loadAverageAtEnd: loadavg() },
  titles: TITLES,
  rows,
  table,
  raw,
};
const file = join(resultsDir, `bench-${stamp}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
if (!values.keep) rmSync(tmp, { recursive: true, force: true });

process.stdout.write(`\n${table}\n\n`);
process.stdout.write(
  `${rows.filter((r) => r.met?.ok === false).length} target(s) missed; ` +
    `${totalS.toFixed(0)} s in all (${Object.entries(timings)
      .map(([id, s]) => `${id}: ${s.toFixed(0)} s`)
      .join(', ')}); results: ${file}` +
    (cpuProfDir ? `; CPU profiles: ${cpuProfDir}` : '') +
    (values.keep ? `; scenario data: ${tmp}` : '') +
    '\n',
);
process.exit(failed ? 1 : 0);
