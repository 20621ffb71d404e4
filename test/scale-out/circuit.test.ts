import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFal } from '../../src/providers/fal/fake/server.ts';
import type { FakeFal } from '../../src/providers/fal/fake/types.ts';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../../src/providers/modelark/fake/types.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { dropRedisPrefix, randomRedisPrefix, scaleOutUrls } from '../helpers/scale-out.ts';

// Three replicas of goodtake on one Redis share each route's circuit: failures seen by one
// open it for all, and none of them calls the dead route until the cool-down ends.
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: shared circuit test skipped (${urls.reason})`);
const redisUrl = urls.ok ? urls.urls.redisUrl : '';

describe.skipIf(!urls.ok)(
  `one circuit for every replica${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    const prefix = randomRedisPrefix();
    let ark: FakeModelArk;
    let fal: FakeFal;
    const replicas: TestApp[] = [];
    beforeAll(async () => {
      ark = await startFakeModelArk({ latencyMs: 0 });
      fal = await startFakeFal({});
      const env = {
        REDIS_URL: redisUrl,
        GOODTAKE_REDIS_PREFIX: prefix,
        ARK_API_KEY: ark.apiKey,
        ARK_BASE_URL: ark.url,
        ARK_MAX_RETRIES: '0',
        FAL_KEY: fal.apiKey,
        FAL_BASE_URL: fal.url,
        FAL_MAX_RETRIES: '0',
        FAL_POLL_INTERVAL_MS: '5',
        GOODTAKE_CIRCUIT_FAILURES: '3',
        GOODTAKE_CIRCUIT_COOLDOWN_MS: '60000',
      };
      for (let i = 0; i < 3; i++) replicas.push(await createTestApp({ env }));
    });
    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.close()));
      await Promise.all([ark.close(), fal.close()]);
      await dropRedisPrefix(redisUrl, prefix);
    });

    it('failures on three replicas open the circuit for all of them', async () => {
      ark.configure({ failureRate: 1 });
      // One failure seen by each replica: three consecutive failures of the route.
      for (const [i, replica] of replicas.entries()) {
        expect((await replica.generate({ prompt: `lighthouse ${i}` })).status).toBe(200);
      }
      expect(ark.generations()).toHaveLength(3);
      for (let i = 0; i < 6; i++) {
        const res = await replicas[i % 3]!.generate({ prompt: `harbour ${i}` });
        expect(res.status).toBe(200);
      }
      // Counted on the fake: no replica called ModelArk again.
      expect(ark.generations()).toHaveLength(3);
      expect(fal.submissions()).toHaveLength(9);
    });
  },
);
