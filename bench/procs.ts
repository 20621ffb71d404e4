/**
 * The processes of a benchmark: goodtake (`bin/goodtake.js serve`) and the fake ModelArk (its CLI),
 * each a child process of its own so that its CPU time and memory can be read from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** Node 24: the one running this script (npm puts it first on PATH for `npm run`). */
export const NODE = process.execPath;

/**
 * Runs a measuring script of the benchmark (`bench/<name>.ts <spec JSON>`) as a child process,
 * optionally behind a prefix command (`taskset -c 0`), and returns the JSON of its last line.
 */
export async function runBenchChild<T>(
  script: string,
  spec: unknown,
  prefix: string[] = [],
): Promise<T> {
  const args = [...prefix, NODE, script, JSON.stringify(spec)];
  const out = await new Promise<string>((ok, fail) => {
    const p = spawn(args[0]!, args.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
    });
    p.once('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`${script} exited ${code}`))));
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}
export const FAKE_API_KEY = 'fake-ark-key';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!(ticksPerSecond > 0)) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process (all its threads) has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of proc(5); fields[0] is field 3.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Resident and peak resident memory, in bytes, from /proc/<pid>/status. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process we own. False if not possible. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A free loopback TCP port (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

function track(name: string, child: ChildProcess, origin: string, logFile: string): BenchProcess {
  let exited = child.exitCode !== null;
  const gone = new Promise<void>((ok) => {
    child.once('exit', () => {
      exited = true;
      ok();
    });
  });
  return {
    name,
    pid: child.pid!,
    origin,
    logFile,
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

async function waitUntilUp(
  url: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${url}: process exited with ${child.exitCode}; see ${logFile}`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.body?.cancel();
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms; see ${logFile}`);
}

function spawnLogged(
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  nodeArgs: string[] = [],
): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(NODE, [...nodeArgs, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', fd, fd],
    });
    return child;
  } finally {
    closeSync(fd);
  }
}

export interface FakeOptions {
  readonly latencyMs: number;
  /** `small` or about this many bytes per JPEG (padded with comment segments). */
  readonly outputBytes: number | 'small';
  readonly dir: string;
}

/**
 * Starts a Node script of the repository listening on `port` (args get the port), logging to
 * `<dir>/<name>.log`, and waits until `readyPath` answers.
 */
export async function startListening(o: {
  readonly name: string;
  readonly dir: string;
  readonly args: (port: number) => string[];
  readonly readyPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: string[];
  readonly port?: number;
}): Promise<BenchProcess> {
  mkdirSync(o.dir, { recursive: true });
  const port = o.port ?? (await freePort());
  const logFile = join(o.dir, `${o.name}.log`);
  const child = spawnLogged(o.args(port), o.env ?? { ...process.env }, logFile, o.nodeArgs);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${origin}${o.readyPath}`, child, logFile);
  } catch (err) {
    // A server that is slow to come up must not outlive the failed scenario.
    child.kill('SIGKILL');
    throw err;
  }
  return track(o.name, child, origin, logFile);
}

/** Starts an upstream fake's CLI (`src/providers/<id>/fake/cli.ts`, same options) on a free port. */
function startFakeCli(name: string, script: string, o: FakeOptions): Promise<BenchProcess> {
  return startListening({
    name,
    dir: o.dir,
    readyPath: '/__fake/requests?none',
    args: (port) => [
      script,
      '--port',
      String(port),
      '--latency-ms',
      String(o.latencyMs),
      '--output-bytes',
      String(o.outputBytes),
      '--api-key',
      FAKE_API_KEY,
    ],
  });
}

/** Starts the fake ModelArk CLI (`src/providers/modelark/fake/cli.ts`) on a free port. */
export async function startFake(o: FakeOptions): Promise<BenchProcess> {
  const fake = await startFakeCli('fake', 'src/providers/modelark/fake/cli.ts', o);
  // The control API keeps nothing we need: start with an empty request log.
  await fetch(`${fake.origin}/__fake/reset`, { method: 'POST' }).then((r) => r.body?.cancel());
  return fake;
}

/** Starts the fake fal.ai queue CLI (`src/providers/fal/fake/cli.ts`) on a free port. */
export function startFakeFal(
  o: FakeOptions & { readonly outputBytes: number },
): Promise<BenchProcess> {
  return startFakeCli('fake-fal', 'src/providers/fal/fake/cli.ts', o);
}

export interface GoodtakeOptions {
  readonly dir: string;
  /** The process's name in measurements (default `goodtake`). */
  readonly name?: string;
  /** ModelArk base URL (the fake's `/api/v3`); absent = the offline provider. */
  readonly upstream?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Directory for a V8 CPU profile written when the server exits (`--cpu-prof`). */
  readonly cpuProfDir?: string;
  /** More Node options for the server process (e.g. `--perf-basic-prof`). */
  readonly nodeArgs?: readonly string[];
  readonly logLevel: string;
}

/** The environment goodtake runs with in the benchmark (also used for the admin CLI). */
export function goodtakeEnv(o: GoodtakeOptions, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    GOODTAKE_DATA_DIR: join(o.dir, 'data'),
    LOG_LEVEL: o.logLevel,
    // Unlimited requests per minute by default; the bench key also has --concurrency 0.
    GOODTAKE_RATE_LIMIT_RPM: '0',
    ...(o.upstream
      ? {
          ARK_API_KEY: FAKE_API_KEY,
          ARK_BASE_URL: o.upstream,
          // The upstream throughput guard (default 500 images/min) would queue a benchmark.
          ARK_IMAGES_PER_MINUTE: '0',
        }
      : {}),
    ...o.env,
  };
}

/** Creates the bench account and key with the admin CLI; returns the API key. */
export function createBenchKey(env: NodeJS.ProcessEnv): string {
  const cli = (args: string[]) =>
    execFileSync(NODE, ['bin/goodtake.js', ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const account = JSON.parse(
    // A fresh data directory: the admin CLI creates one only when told to (--init).
    cli([
      '--init',
      'accounts',
      'create',
      '--name',
      'bench',
      '--credits',
      '1000000000000',
      '--json',
    ]),
  ) as { id: string };
  // No per-key RPM: the server default is 0 (unlimited) in goodtakeEnv.
  const key = JSON.parse(
    cli([
      'keys',
      'create',
      '--account',
      account.id,
      '--name',
      'bench',
      '--concurrency',
      '0',
      '--json',
    ]),
  ) as { key: string };
  return key.key;
}

/** Starts `goodtake serve` with a fresh data dir, after creating the bench account and key. */
export async function startGoodtake(o: GoodtakeOptions): Promise<BenchProcess & { key: string }> {
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  const port = await freePort();
  const env = goodtakeEnv(o, port);
  const key = createBenchKey(env);
  const goodtake = await startListening({
    name: o.name ?? 'goodtake',
    dir: o.dir,
    port,
    env,
    readyPath: '/healthz',
    args: () => ['bin/goodtake.js', 'serve'],
    nodeArgs: [
      ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : []),
      ...(o.nodeArgs ?? []),
    ],
  });
  return { ...goodtake, key };
}

/** The arguments every bench gateway script takes: its port, the fake upstream and its key. */
function gatewayArgs(script: string, port: number, upstream: string): string[] {
  return [script, '--port', String(port), '--upstream', upstream, '--key', FAKE_API_KEY];
}

/** Starts the reference gateway (bench/minimal-gateway.ts) in front of the fake. */
export function startMinimalGateway(o: {
  readonly dir: string;
  readonly upstream: string;
  /** The upstream request body goodtake would send for the workload. */
  readonly upstreamBody: string;
}): Promise<BenchProcess> {
  return startListening({
    name: 'minimal',
    dir: o.dir,
    readyPath: '/ready',
    args: (port) => [
      ...gatewayArgs('bench/minimal-gateway.ts', port, o.upstream),
      '--dir',
      join(o.dir, 'minimal'),
      '--body',
      o.upstreamBody,
    ],
  });
}

/**
 * Starts the lean prototype (bench/lean-gateway.ts) in front of the fake, on a fresh goodtake
 * data directory made by this checkout's admin CLI (the bench account and key, as for goodtake).
 */
export async function startLeanGateway(o: {
  readonly dir: string;
  readonly name: string;
  readonly upstream: string;
  /** Whether images get XMP and a signed C2PA manifest (goodtake's default) or nothing. */
  readonly provenance: boolean;
  /** The file written by goodtake's local store (default) or with one synchronous write. */
  readonly syncWrite?: boolean;
  readonly cpuProfDir?: string;
}): Promise<BenchProcess & { key: string }> {
  const data = join(o.dir, 'data');
  mkdirSync(data, { recursive: true });
  const key = createBenchKey(goodtakeEnv({ dir: o.dir, logLevel: 'warn' }, 0));
  const lean = await startListening({
    name: o.name,
    dir: o.dir,
    readyPath: '/ready',
    args: (port) => [
      ...gatewayArgs('bench/lean-gateway.ts', port, o.upstream),
      '--data',
      data,
      '--provenance',
      o.provenance ? 'on' : 'off',
      '--write',
      o.syncWrite ? 'sync' : 'async',
    ],
    nodeArgs: o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [],
  });
  return { ...lean, key };
}
