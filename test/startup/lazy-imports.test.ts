import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServerProcess } from '../helpers/processes.ts';

// Heavy dependencies are imported only where the configuration or the command needs them
// (see src/compose.ts, the composition root). These tests run real `goodtake` processes with a
// preloaded hook that records every module they resolve: a static import of one of these
// packages re-added anywhere on the path of the command fails them.

/** Only PostgreSQL, Redis and S3 configurations need these. */
const SCALE_OUT_PACKAGES = ['pg', 'ioredis', '@aws-sdk/client-s3'];
/** Only Content Credentials (GOODTAKE_PROVENANCE with c2pa, the default) need these. */
const C2PA_PACKAGES = ['@contentauth/c2pa-wasm', 'pkijs', 'cbor2'];
/** Only `goodtake serve` needs these (HTTP app, image processing, docs, metrics, logging). */
const SERVER_PACKAGES = [
  'sharp',
  'hono',
  '@hono/node-server',
  'swagger-ui-dist',
  'prom-client',
  'pino',
  'undici',
  ...C2PA_PACKAGES,
];

/** What the configuration reads of the providers: settings schemas and size tables. */
const SETTINGS_MODULES =
  /\/src\/providers\/((registry|plugin)\.ts|\w+\/(plugin|models|upstream-size)\.ts|kit\/(queue-settings|size-fit)\.ts)$/;

const hook = pathToFileURL(join(import.meta.dirname, 'record-modules.ts')).href;
let dir: string;
let logs = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-lazy-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The embedded defaults, whatever the environment running the tests sets. */
function embeddedEnv(): { env: Record<string, string>; modules: () => string[] } {
  const log = join(dir, `modules-${++logs}.txt`);
  const env = {
    GOODTAKE_DATA_DIR: join(dir, 'data'),
    DATABASE_URL: '',
    REDIS_URL: '',
    STORAGE: 'local',
    ARK_API_KEY: '',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`,
    GOODTAKE_TEST_MODULE_LOG: log,
  };
  return { env, modules: () => readFileSync(log, 'utf8').split('\n') };
}

/** The packages of `names` that some recorded module URL belongs to. */
function loaded(modules: string[], names: string[]): string[] {
  return names.filter((name) => modules.some((url) => url.includes(`/node_modules/${name}/`)));
}

describe('modules loaded on the embedded defaults', () => {
  it('`goodtake serve` loads no PostgreSQL, Redis or S3 client', async () => {
    const { env, modules } = embeddedEnv();
    const server = await startServerProcess(env);
    expect(await server.stop()).toBe(0);
    const list = modules();
    // The hook saw the server's own modules, so an empty list cannot pass for a clean one.
    expect(loaded(list, ['hono', 'kysely'])).toEqual(['hono', 'kysely']);
    expect(loaded(list, SCALE_OUT_PACKAGES)).toEqual([]);
  });

  it('`goodtake serve` with ModelArk loads no image library until an image needs resizing', async () => {
    const { env, modules } = embeddedEnv();
    const server = await startServerProcess({
      ...env,
      ARK_API_KEY: 'ark-test-key',
      ARK_BASE_URL: 'http://127.0.0.1:9/api/v3',
    });
    expect(await server.stop()).toBe(0);
    const list = modules();
    expect(loaded(list, ['hono', 'undici'])).toEqual(['hono', 'undici']);
    expect(loaded(list, ['sharp', ...SCALE_OUT_PACKAGES])).toEqual([]);
  });

  it('`goodtake serve` signs Content Credentials by default, and loads no C2PA code without them', {
    timeout: 60_000,
  }, async () => {
    const signing = embeddedEnv();
    const server = await startServerProcess(signing.env);
    expect(await server.stop()).toBe(0);
    expect(loaded(signing.modules(), C2PA_PACKAGES)).toEqual(C2PA_PACKAGES);
    const xmpOnly = embeddedEnv();
    const plain = await startServerProcess({ ...xmpOnly.env, GOODTAKE_PROVENANCE: 'xmp' });
    expect(await plain.stop()).toBe(0);
    expect(loaded(xmpOnly.modules(), ['hono'])).toEqual(['hono']);
    expect(loaded(xmpOnly.modules(), C2PA_PACKAGES)).toEqual([]);
  });

  it('admin commands load neither the server nor the scale-out clients', async () => {
    for (const args of [
      ['migrate'],
      ['accounts', 'list'],
      ['credits', 'balance', '--account', 'acc_none'],
    ]) {
      const { env, modules } = embeddedEnv();
      const run = await cli(args, env);
      expect(run.stderr).not.toMatch(/Invalid configuration/);
      const list = modules();
      expect(loaded(list, ['kysely']), args.join(' ')).toEqual(['kysely']);
      expect(loaded(list, [...SCALE_OUT_PACKAGES, ...SERVER_PACKAGES]), args.join(' ')).toEqual([]);
      // The configuration reads each provider's settings schema (its plugin and the tables it
      // checks the catalog with); no adapter, HTTP code or metrics may load. src/compose.ts,
      // the composition root, imports the server's half only when it composes a server.
      const ownServerModules = list.filter(
        (url) =>
          /\/src\/server\.ts$|\/src\/(http|metrics|routing)\//.test(url) ||
          (/\/src\/providers\//.test(url) && !SETTINGS_MODULES.test(url)),
      );
      expect(ownServerModules, args.join(' ')).toEqual([]);
    }
  });
});
