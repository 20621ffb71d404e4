import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type Application, composeApplication } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { errorOf } from '../helpers/harness.ts';
import {
  createScaleOutInstallation,
  type ScaleOutInstallation,
  scaleOutUrls,
  startTcpProxy,
  type TcpProxy,
} from '../helpers/scale-out.ts';

// What a replica does while PostgreSQL or the object storage is away, and that it recovers by
// itself (Redis: see redis-limits.test.ts). Each service is reached through a proxy the test
// can cut.
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: dependency failure tests skipped (${urls.reason})`);

const ENDPOINT = '/api/v1/bytedance/generate-image';
const SMALL = { prompt: 'a small test image', model: 'seedream-4-0-250828', size: '512x512' };

describe.skipIf(!urls.ok)(
  `a replica while a dependency is away${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    let installation: ScaleOutInstallation | undefined;
    let proxy: TcpProxy | undefined;
    let application: Application | undefined;
    let dataDir: string | undefined;
    afterEach(async () => {
      await application?.close();
      await proxy?.close();
      await installation?.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      application = undefined;
      proxy = undefined;
      installation = undefined;
    });

    const start = async (through: 'DATABASE_URL' | 'S3_ENDPOINT') => {
      if (!urls.ok) throw new Error('unreachable');
      installation = await createScaleOutInstallation(urls.urls, inject('s3Endpoint'));
      proxy = await startTcpProxy(installation.env[through]!);
      dataDir = mkdtempSync(join(tmpdir(), 'goodtake-failures-'));
      const config = loadConfig({
        ...installation.env,
        [through]: proxy.url,
        GOODTAKE_DATA_DIR: dataDir,
        GOODTAKE_RATE_LIMIT_RPM: '0',
        GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
      });
      application = await composeApplication(config, createLogger('silent'));
      const account = await application.core.accounts.create({ name: 'f', credits: 100 });
      const { key } = await application.core.keys.create({ accountId: account.id, name: 'k' });
      const app = application;
      return {
        accountId: account.id,
        generate: () =>
          Promise.resolve(
            app.app.request(`http://goodtake.test${ENDPOINT}`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
              body: JSON.stringify(SMALL),
            }),
          ),
        get: (path: string) => Promise.resolve(app.app.request(`http://goodtake.test${path}`)),
      };
    };

    const eventually = async (probe: () => Promise<boolean>) => {
      const deadline = Date.now() + 15_000;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error('did not recover in 15 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    it('PostgreSQL away: 500 and an unhealthy /healthz, then back by itself', async () => {
      const t = await start('DATABASE_URL');
      expect((await t.generate()).status).toBe(200);
      expect((await t.get('/healthz')).status).toBe(200);

      await proxy!.cut();
      const refused = await t.generate();
      expect(refused.status).toBe(500);
      expect((await errorOf(refused)).code).toBe('internal_error');
      const health = await t.get('/healthz');
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ database: 'unreachable' });

      await proxy!.restore();
      await eventually(async () => (await t.get('/healthz')).status === 200);
      expect((await t.generate()).status).toBe(200);
      expect(await application!.core.ledger.verify()).toEqual([]);
    });

    it('object storage away: nothing delivered, nothing charged, images 500; then back', async () => {
      const t = await start('S3_ENDPOINT');
      const first = await t.generate();
      expect(first.status).toBe(200);
      const path = new URL((await first.json()).data.images[0].url).pathname;
      const before = await application!.core.ledger.balance(t.accountId);

      await proxy!.cut();
      const failed = await t.generate();
      expect(failed.status).toBe(500);
      expect((await errorOf(failed)).code).toBe('internal_error');
      expect(await application!.core.ledger.balance(t.accountId)).toEqual(before);
      expect((await t.get(path)).status).toBe(500);

      await proxy!.restore();
      await eventually(async () => (await t.get(path)).status === 200);
      expect((await t.generate()).status).toBe(200);
      expect(await application!.core.ledger.verify()).toEqual([]);
    });
  },
);
