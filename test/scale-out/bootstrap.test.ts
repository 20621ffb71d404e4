import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type CoreServices, openCore } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { bootstrapDefaultAccount } from '../../src/server.ts';
import {
  createScaleOutInstallation,
  type ScaleOutInstallation,
  scaleOutUrls,
} from '../helpers/scale-out.ts';

// Replicas started together on a new PostgreSQL database: the first-start account (and its
// printed key) is created once, not once per replica. Each "replica" here has its own
// connection pool, and all of them check and create at the same moment.
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: replica bootstrap test skipped (${urls.reason})`);

describe.skipIf(!urls.ok)(
  `first start of several replicas${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    let installation: ScaleOutInstallation | undefined;
    let dataDir: string | undefined;
    const cores: CoreServices[] = [];
    afterAll(async () => {
      for (const core of cores) await core.close();
      await installation?.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('creates the default account once', async () => {
      if (!urls.ok) return;
      installation = await createScaleOutInstallation(urls.urls, inject('s3Endpoint'));
      dataDir = mkdtempSync(join(tmpdir(), 'goodtake-bootstrap-'));
      const config = loadConfig({ ...installation.env, GOODTAKE_DATA_DIR: dataDir });
      cores.push(await openCore(config, { migrate: true }));
      for (let i = 1; i < 5; i++) cores.push(await openCore(config, { migrate: false }));
      const printed: string[] = [];
      await Promise.all(
        cores.map((core) =>
          bootstrapDefaultAccount(core, config, (t) => printed.push(t), 'http://localhost'),
        ),
      );
      expect(printed.filter((t) => t.includes('Created account'))).toHaveLength(1);
      expect(await cores[0]!.accounts.count()).toBe(1);
    });
  },
);
