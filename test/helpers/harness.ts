import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import {
  type Application,
  type ApplicationOverrides,
  composeApplication,
} from '../../src/compose.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createS3Client } from '../../src/storage/s3-store.ts';
import {
  createScaleOutInstallation,
  type ScaleOutInstallation,
  scaleOutRequested,
  scaleOutUrls,
} from './scale-out.ts';

export const ENDPOINT = '/api/v1/bytedance/generate-image';
export const BASE = 'http://goodtake.test';

export interface TestApp {
  readonly application: Application;
  readonly config: Config;
  readonly dataDir: string;
  /** A key of an account created with `credits` (default 1000). */
  readonly key: string;
  readonly accountId: string;
  /** In-process HTTP request against the app (no port). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST a JSON body to the generate-image endpoint with the default key. */
  generate(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /**
   * The names of the files stored under `folder` (e.g. `inputs`), whichever store the app uses:
   * the data directory, or the S3 bucket in the scale-out mode.
   */
  storedFiles(folder: string): Promise<string[]>;
  createAccount(
    credits: number,
    keyOptions?: { rpm?: number; concurrency?: number },
  ): Promise<{
    accountId: string;
    key: string;
    keyId: string;
  }>;
  close(): Promise<void>;
}

/**
 * The scale-out installation of a test app when the suite runs in the scale-out mode (the
 * `scale-out` Vitest project sets GOODTAKE_TEST_SCALE_OUT=1): a fresh PostgreSQL schema, Redis
 * key prefix and S3 bucket. Undefined in the embedded mode.
 */
async function scaleOutInstallation(): Promise<ScaleOutInstallation | undefined> {
  if (!scaleOutRequested()) return undefined;
  const urls = scaleOutUrls();
  const s3Endpoint = inject('s3Endpoint');
  if (!urls.ok || !s3Endpoint) {
    throw new Error(
      `GOODTAKE_TEST_SCALE_OUT=1 needs GOODTAKE_TEST_DATABASE_URL, GOODTAKE_TEST_REDIS_URL and the project's S3 server (${urls.ok ? 'no S3 server' : urls.reason})`,
    );
  }
  return createScaleOutInstallation(urls.urls, s3Endpoint);
}

/**
 * Builds the real application (composition root included) against a fresh SQLite file in a
 * temp dir, or against DATABASE_URL when a test passes one in `env`. In the scale-out mode the
 * same application runs on PostgreSQL, Redis and S3-compatible storage instead (a test's own
 * `env` still wins).
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    credits?: number;
    log?: Logger;
  } & ApplicationOverrides = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-test-'));
  const installation = await scaleOutInstallation();
  // Limits are off unless a test turns them on, so unrelated tests never meet a 429. The
  // offline provider's prompt markers are on: this app is started for tests.
  const config = loadConfig({
    GOODTAKE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    GOODTAKE_RATE_LIMIT_RPM: '0',
    GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
    GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
    ...installation?.env,
    ...options.env,
  });
  const { env: _env, credits = 1000, log: givenLog, ...overrides } = options;
  const log = givenLog ?? createLogger(config.logLevel);
  let application: Application;
  try {
    application = await composeApplication(config, log, overrides);
  } catch (err) {
    await installation?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { core } = application;

  const createAccount: TestApp['createAccount'] = async (amount, keyOptions = {}) => {
    const account = await core.accounts.create({ name: 'test', credits: amount });
    const created = await core.keys.create({
      accountId: account.id,
      name: 'test key',
      rpm: keyOptions.rpm ?? null,
      concurrency: keyOptions.concurrency ?? null,
    });
    return { accountId: account.id, key: created.key, keyId: created.id };
  };
  const first = await createAccount(credits);

  const request = (path: string, init?: RequestInit) =>
    Promise.resolve(application.app.request(`${BASE}${path}`, init));

  return {
    application,
    config,
    dataDir,
    key: first.key,
    accountId: first.accountId,
    request,
    generate: (body, headers = {}) =>
      request(ENDPOINT, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${first.key}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body:
          typeof body === 'string' || body instanceof Uint8Array
            ? (body as BodyInit)
            : JSON.stringify(body),
      }),
    createAccount,
    storedFiles: (folder) => storedFiles(config, dataDir, folder),
    async close() {
      await application.close();
      await installation?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function storedFiles(config: Config, dataDir: string, folder: string): Promise<string[]> {
  if (config.storage.kind === 'local') {
    try {
      return readdirSync(join(dataDir, 'images', folder)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
  const client = createS3Client(config.storage);
  try {
    const prefix = `${folder.replace(/\/+$/, '')}/`;
    const res = await client.send(
      new ListObjectsV2Command({ Bucket: config.storage.bucket, Prefix: prefix }),
    );
    return (res.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
  } finally {
    client.destroy();
  }
}

/** The error body of a response, asserting the contract's shape. */
export async function errorOf(res: Response): Promise<{
  code: string;
  message: string;
  request_id: string;
  field?: string;
  retry_after?: number;
}> {
  const body = (await res.json()) as { status?: string; error?: Record<string, unknown> };
  if (body.status !== 'error' || typeof body.error?.code !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body.error as never;
}
