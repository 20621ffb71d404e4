import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../../src/config.ts';
import { createLogger } from '../../../../src/log.ts';
import { startServer } from '../../../../src/server.ts';

/** A real goodtake server on a free loopback port, with its bootstrap account's key. */
export interface TestServer {
  readonly url: string;
  /** The default account's key, parsed from the start-up banner. */
  readonly key: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the real server in-process (SQLite in a temp dir, offline provider). `env` adds or
 * overrides environment settings, e.g. `{ GOODTAKE_STARTING_CREDITS: '1' }`.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-sdk-test-'));
  const config = loadConfig({
    GOODTAKE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    GOODTAKE_STARTING_CREDITS: '1000',
    // Started for tests: the offline provider's `[[offline:...]]` prompt markers work.
    GOODTAKE_OFFLINE_TEST_MARKERS: 'true',
    ...env,
  });
  let banner = '';
  const server = await startServer(config, createLogger(config.logLevel), {
    print: (text) => {
      banner += text;
    },
  });
  const key = /gt_[A-Za-z0-9]{32,}/.exec(banner)?.[0];
  if (!key) throw new Error(`no API key in the start-up banner:\n${banner}`);
  return {
    url: server.url,
    key,
    dataDir,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
