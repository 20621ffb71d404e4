// The API page's own curl, Python, JavaScript and Go examples (examples/seed/, verbatim but for
// the base URL, the key and the blend image URL) run as real client programs against a real
// `goodtake serve` process, with a local HTTP server supplying the blend-mode input image.
// Every image URL an example prints is fetched back and must be a JPEG.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'seed');
const KEY_PATTERN = /gt_[A-Za-z0-9]{32,}/;

// ---- toolchains --------------------------------------------------------------------------------

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

const hasCurl = succeeds('curl', ['--version']);
const hasPythonRequests = succeeds('python3', ['-c', 'import requests']);
const hasGo = succeeds('go', ['version']);

if (!hasCurl) console.warn('seed examples: SKIPPING curl examples: curl not found on PATH');
if (!hasPythonRequests) {
  console.warn(
    'seed examples: SKIPPING the Python example: `python3 -c "import requests"` failed (install python3 and requests)',
  );
}
if (!hasGo) {
  console.warn(
    'seed examples: SKIPPING the Go example: go not found on PATH (apt-get install -y golang-go)',
  );
}

// ---- child processes ---------------------------------------------------------------------------

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion, killing its whole process group if it outlives `timeoutMs`. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    // Own process group, so that a timeout also ends what it started (`go run` runs a binary).
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      resolve({ code, signal, stdout, stderr, timedOut });
    };
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
      // If a grandchild still holds the pipes open, do not wait for 'close' forever.
      grace = setTimeout(() => finish(null, 'SIGKILL'), 2_000);
    }, options.timeoutMs);
    child.on('error', (err) => {
      stderr += `\nspawn failed: ${err.message}`;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function describeRun(label: string, r: RunResult): string {
  return [
    `${label}: exit code ${r.code}, signal ${r.signal}${r.timedOut ? ' (timed out)' : ''}`,
    `--- stdout ---\n${r.stdout}`,
    `--- stderr ---\n${r.stderr.slice(-4000)}`,
    `--- goodtake server stderr (tail) ---\n${serverStderr.slice(-4000)}`,
  ].join('\n');
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

// ---- fixtures: image server and goodtake -------------------------------------------------------

let imageServer: Server | undefined;
let imageUrl = '';
let server: ChildProcess | undefined;
let serverExited: Promise<void> = Promise.resolve();
let serverStderr = '';
let baseUrl = '';
let apiKey = '';
const tempDirs: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function gradientJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((x * 255) / (width - 1));
      raw[i + 1] = Math.round((y * 255) / (height - 1));
      raw[i + 2] = 160;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The environment without anything that would point goodtake or the examples elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('GOODTAKE_') || name === 'DATABASE_URL' || name === 'PORT') continue;
    if (name === 'HOST' || name === 'LOG_LEVEL') continue;
    env[name] = value;
  }
  env.PATH = [join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);
  return env;
}

async function waitForHealthy(deadline: number): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server?.exitCode !== null || server?.signalCode !== null) {
      throw new Error(`goodtake exited during start-up:\n${serverStderr}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200 && KEY_PATTERN.test(serverStderr)) return;
      last = `healthz ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`goodtake did not become healthy in time (${last}):\n${serverStderr}`);
}

export interface SeedSuiteOptions {
  /** Shown in the suite name, e.g. the provider. */
  readonly label: string;
  /** Extra environment for the goodtake server (e.g. an upstream provider). */
  readonly serverEnv?: () => Promise<Record<string, string>>;
  readonly cleanup?: () => Promise<void>;
  /** run.sh repeats the same examples; one suite running it is enough. */
  readonly skipRunScript?: boolean;
}

/**
 * Runs the seed page's curl, Python, JavaScript and Go examples against a real goodtake server
 * process. Called by one test file per provider.
 */
export function defineSeedExamplesSuite(options: SeedSuiteOptions): void {
  beforeAll(async () => {
    const jpeg = await gradientJpeg(800, 600);
    imageServer = createServer((req, res) => {
      if (req.url === '/photo.jpg') {
        res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length });
        res.end(req.method === 'HEAD' ? undefined : jpeg);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      imageServer?.once('error', reject);
      imageServer?.listen(0, '127.0.0.1', resolve);
    });
    const imageAddress = imageServer.address();
    if (typeof imageAddress !== 'object' || imageAddress === null) throw new Error('no address');
    imageUrl = `http://127.0.0.1:${imageAddress.port}/photo.jpg`;

    const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-seed-examples-'));
    tempDirs.push(dataDir);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'goodtake.js'), 'serve'], {
      cwd: ROOT,
      env: {
        ...cleanEnv(),
        PORT: String(port),
        HOST: '127.0.0.1',
        GOODTAKE_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        GOODTAKE_FETCH_ALLOW: '127.0.0.1',
        GOODTAKE_STARTING_CREDITS: '1000',
        GOODTAKE_SHUTDOWN_TIMEOUT_MS: '5000',
        ...(await options.serverEnv?.()),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server = child;
    serverExited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.once('error', (err) => {
      serverStderr += `\nspawn failed: ${err.message}`;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      serverStderr += d;
    });

    await waitForHealthy(Date.now() + 45_000);
    const key = KEY_PATTERN.exec(serverStderr)?.[0];
    if (!key) throw new Error(`no API key in goodtake's start-up banner:\n${serverStderr}`);
    apiKey = key;
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const exited = await Promise.race([
        serverExited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
      ]);
      if (!exited) {
        server.kill('SIGKILL');
        await Promise.race([serverExited, new Promise((r) => setTimeout(r, 5_000))]);
      }
    }
    if (imageServer) {
      imageServer.closeAllConnections();
      await new Promise<void>((resolve) => imageServer?.close(() => resolve()));
    }
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    await options.cleanup?.();
  }, 30_000);

  // ---- shared checks -----------------------------------------------------------------------------

  function exampleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...cleanEnv(),
      GOODTAKE_BASE_URL: baseUrl,
      GOODTAKE_API_KEY: apiKey,
      GOODTAKE_EXAMPLE_IMAGE_URL: imageUrl,
      ...extra,
    };
  }

  /** An image URL as goodtake prints it: on the server's own origin, a .jpg under /images/. */
  function imageUrlPattern(): string {
    return `${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/images/[A-Za-z0-9_-]+\\.jpg`;
  }

  async function expectJpeg(url: string): Promise<void> {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status, url).toBe(200);
    expect(res.headers.get('content-type'), url).toMatch(/^image\/jpeg/);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])), `${url} is a JPEG`).toBe(
      true,
    );
    const meta = await sharp(bytes).metadata();
    expect(meta.format, url).toBe('jpeg');
  }

  /** Matches each line against its pattern, in order, and fetches every image URL in them. */
  async function expectLines(output: string, patterns: RegExp[]): Promise<void> {
    const got = lines(output);
    expect(got, output).toHaveLength(patterns.length);
    patterns.forEach((pattern, i) => {
      expect(got[i], output).toMatch(pattern);
    });
    const urls = output.match(new RegExp(imageUrlPattern(), 'g')) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) await expectJpeg(url);
  }

  // ---- the examples ------------------------------------------------------------------------------

  describe(`the API page examples against a real goodtake server (${options.label})`, () => {
    it.skipIf(!hasCurl)(
      `curl: the five curl commands all succeed${hasCurl ? '' : ' [skipped: curl not found]'}`,
      async () => {
        const r = await run('bash', [join(EXAMPLES, 'curl.sh')], {
          cwd: EXAMPLES,
          env: exampleEnv(),
          timeoutMs: 90_000,
        });
        expect(r.code, describeRun('curl.sh', r)).toBe(0);
        const u = imageUrlPattern();
        await expectLines(r.stdout, [
          new RegExp(`^Basic Image Generation: success ${u}$`),
          new RegExp(`^Using Latest Model with Custom Size: success ${u} ${u}$`),
          new RegExp(`^Using Legacy Model: success ${u}$`),
          new RegExp(`^With Base64 Encoding: success ${u} \\(with base64\\)$`),
          new RegExp(`^Image Blending/Editing: success ${u}$`),
        ]);
      },
      100_000,
    );

    it.skipIf(!hasPythonRequests)(
      `Python (requests): the four examples print their image URLs${hasPythonRequests ? '' : ' [skipped: python3 with requests not found]'}`,
      async () => {
        const r = await run('python3', [join(EXAMPLES, 'example.py')], {
          cwd: EXAMPLES,
          env: exampleEnv({ PYTHONUNBUFFERED: '1' }),
          timeoutMs: 90_000,
        });
        expect(r.code, describeRun('example.py', r)).toBe(0);
        const u = imageUrlPattern();
        await expectLines(r.stdout, [
          new RegExp(`^Generated image URL: ${u}$`),
          new RegExp(`^Generated with legacy model: ${u}$`),
          new RegExp(`^URL: ${u}$`),
          /^Has base64: True$/,
          new RegExp(`^Edited image: ${u}$`),
        ]);
      },
      100_000,
    );

    it('JavaScript (fetch): the four concurrent examples print their image URLs', async () => {
      const r = await run(process.execPath, [join(EXAMPLES, 'example.mjs')], {
        cwd: EXAMPLES,
        env: exampleEnv(),
        timeoutMs: 90_000,
      });
      expect(r.code, describeRun('example.mjs', r)).toBe(0);
      expect(r.stderr, describeRun('example.mjs', r)).toBe('');
      // The four examples run concurrently, so their lines arrive in any order; example 3's two
      // lines are printed together.
      const u = imageUrlPattern();
      const got = lines(r.stdout);
      expect(got, r.stdout).toHaveLength(5);
      expect(
        got.filter((l) => new RegExp(`^Generated: ${u}$`).test(l)),
        r.stdout,
      ).toHaveLength(2);
      expect(
        got.filter((l) => new RegExp(`^Edited: ${u}$`).test(l)),
        r.stdout,
      ).toHaveLength(1);
      const urlLine = got.findIndex((l) => new RegExp(`^URL: ${u}$`).test(l));
      expect(urlLine, r.stdout).toBeGreaterThanOrEqual(0);
      expect(got[urlLine + 1], r.stdout).toBe('Has base64: true');
      const urls = r.stdout.match(new RegExp(u, 'g')) ?? [];
      expect(urls).toHaveLength(4);
      for (const url of urls) await expectJpeg(url);
    }, 100_000);

    it.skipIf(!hasGo)(
      `Go (net/http): the four examples print their image URLs${hasGo ? '' : ' [skipped: go not found on PATH]'}`,
      async () => {
        const r = await run('go', ['run', '.'], {
          cwd: join(EXAMPLES, 'go'),
          env: exampleEnv(goEnv()),
          timeoutMs: 230_000,
        });
        expect(r.code, describeRun('go run .', r)).toBe(0);
        const u = imageUrlPattern();
        await expectLines(r.stdout, [
          new RegExp(`^Generated image: ${u}$`),
          new RegExp(`^Generated with widescreen: ${u}$`),
          new RegExp(`^URL: ${u}$`),
          /^Has base64: true$/,
          new RegExp(`^Edited image: ${u}$`),
        ]);
      },
      240_000,
    );

    it.skipIf(!hasCurl || options.skipRunScript === true)(
      'run.sh runs every example whose toolchain is present and skips the rest visibly',
      async () => {
        const r = await run('bash', [join(EXAMPLES, 'run.sh')], {
          cwd: EXAMPLES,
          env: exampleEnv(goEnv()),
          timeoutMs: 230_000,
        });
        const detail = describeRun('run.sh', r);
        expect(r.code, detail).toBe(0);
        expect(r.stdout, detail).toContain('== curl: OK');
        expect(r.stdout, detail).toContain('== javascript: OK');
        expect(r.stdout, detail).toContain(
          hasPythonRequests ? '== python: OK' : 'SKIPPED: python3 with requests not found',
        );
        expect(r.stdout, detail).toContain(hasGo ? '== go: OK' : 'SKIPPED: go not found');
        expect(r.stdout, detail).toContain('all examples that ran succeeded');
      },
      240_000,
    );
  });

  let goEnvMemo: NodeJS.ProcessEnv | undefined;

  /** Go settings for an offline, standard-library-only build; a temp cache if HOME is read-only. */
  function goEnv(): NodeJS.ProcessEnv {
    if (goEnvMemo) return goEnvMemo;
    const env: NodeJS.ProcessEnv = {
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOWORK: 'off',
      GOTOOLCHAIN: 'local',
    };
    if (!process.env.GOCACHE || !process.env.GOPATH) {
      let homeWritable = false;
      try {
        accessSync(homedir(), constants.W_OK);
        homeWritable = true;
      } catch {
        homeWritable = false;
      }
      if (!homeWritable) {
        const dir = mkdtempSync(join(tmpdir(), 'goodtake-seed-go-'));
        tempDirs.push(dir);
        env.GOCACHE = process.env.GOCACHE ?? join(dir, 'cache');
        env.GOPATH = process.env.GOPATH ?? join(dir, 'path');
      }
    }
    goEnvMemo = env;
    return env;
  }
}
