import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Application,
  type ApplicationOverrides,
  composeApplication,
} from '../../src/compose.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';

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
 * Builds the real application (composition root included) against a fresh SQLite file in a
 * temp dir, or against DATABASE_URL when a test passes one in `env`.
 */
export async function createTestApp(
  options: { env?: Record<string, string>; credits?: number } & ApplicationOverrides = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-test-'));
  // Limits are off unless a test turns them on, so unrelated tests never meet a 429.
  const config = loadConfig({
    GOODTAKE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    GOODTAKE_RATE_LIMIT_RPM: '0',
    GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
    ...options.env,
  });
  const log = createLogger(config.logLevel);
  const { env: _env, credits = 1000, ...overrides } = options;
  const application = await composeApplication(config, log, overrides);
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
    async close() {
      await application.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
