/**
 * Other gateways measured in the same runs as goodtake: today the Portkey AI gateway
 * (`@portkey-ai/gateway`, the open-source gateway of portkey.ai), started as its own process in
 * front of the same fake upstream.
 *
 * It is not a dependency of goodtake: the first run that needs it installs the pinned version
 * with npm into `bench/.peers/` (ignored by git), or the same by hand: `npm run bench:peers`.
 * Without the registry the scenarios run without the peer and say so.
 *
 * How Portkey proxies an image API: its OpenAI-compatible `POST /v1/images/generations` with
 * `x-portkey-provider: openai` and `x-portkey-custom-host: <fake>/api/v3` calls
 * `<fake>/api/v3/images/generations` with the OpenAI image parameters of the body (`model`,
 * `prompt`, `size`, `response_format`, `n`, …; it drops ModelArk's `watermark`, which the fake
 * validates but does not act on) and answers with the upstream's JSON, i.e. the upstream's own
 * signed image URL. Its pass-through mode (`/v1/<any path>`) would forward the body untouched,
 * but fails on Node 24 in 1.15.2 (`TypeError: immutable` appending to a fetch Response's
 * headers), so the benchmark uses the images route.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchProcess, ROOT, startListening } from './procs.ts';

export const PORTKEY_PACKAGE = '@portkey-ai/gateway';
export const PORTKEY_VERSION = '1.15.2';
const PEERS_DIR = join(ROOT, 'bench', '.peers');
const PORTKEY_SERVER = join(
  PEERS_DIR,
  'node_modules',
  ...PORTKEY_PACKAGE.split('/'),
  'build',
  'start-server.js',
);

function installedVersion(): string | undefined {
  try {
    const manifest = join(PEERS_DIR, 'node_modules', ...PORTKEY_PACKAGE.split('/'), 'package.json');
    if (!existsSync(manifest)) return undefined;
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * The Portkey gateway's server script, installed on first use. Undefined (with the reason on
 * stderr) when it cannot be installed, e.g. without the npm registry.
 */
export function ensurePortkey(log: (text: string) => void = () => {}): string | undefined {
  if (installedVersion() === PORTKEY_VERSION && existsSync(PORTKEY_SERVER)) return PORTKEY_SERVER;
  log(`installing ${PORTKEY_PACKAGE}@${PORTKEY_VERSION} into bench/.peers (first use)`);
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        PEERS_DIR,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        `${PORTKEY_PACKAGE}@${PORTKEY_VERSION}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
    );
  } catch (err) {
    log(`could not install ${PORTKEY_PACKAGE}: ${String(err).split('\n')[0]}; running without it`);
    return undefined;
  }
  return existsSync(PORTKEY_SERVER) ? PORTKEY_SERVER : undefined;
}

/** The headers that make Portkey's images route call the fake (`<origin>/api/v3`). */
export function portkeyHeaders(upstream: string, apiKey: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': upstream,
  };
}

export const PORTKEY_PATH = '/v1/images/generations';

/** Starts the Portkey gateway (headless, production mode) on a free port. */
export function startPortkey(o: {
  readonly dir: string;
  readonly server: string;
}): Promise<BenchProcess> {
  return startListening({
    name: 'portkey',
    dir: o.dir,
    readyPath: '/',
    args: (port) => [o.server, `--port=${port}`, '--headless'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

if (import.meta.main) {
  // `npm run bench:peers`: install the peers now (e.g. before going offline).
  const server = ensurePortkey((t) => process.stderr.write(`${t}\n`));
  if (!server) process.exit(1);
  process.stdout.write(`${PORTKEY_PACKAGE}@${PORTKEY_VERSION}: ${server}\n`);
}
