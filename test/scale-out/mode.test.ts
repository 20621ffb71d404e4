import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { scaleOutUrls } from '../helpers/scale-out.ts';

const urls = scaleOutUrls();
if (!urls.ok) {
  console.warn(`notice: scale-out tests skipped (${urls.reason})`);
}

// The HTTP suite runs a second time in this project; this pins down that it really runs on the
// shared services, not quietly on the embedded defaults.
describe.skipIf(!urls.ok)(
  `the scale-out test mode${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    let t: TestApp | undefined;
    afterAll(() => t?.close());

    it('builds test apps on PostgreSQL, Redis and S3-compatible storage', async () => {
      t = await createTestApp({ env: { GOODTAKE_RATE_LIMIT_RPM: '3' } });
      expect(t.application.core.database.kind).toBe('postgres');
      expect(t.application.store.kind).toBe('s3');
      const res = await t.generate({ prompt: 'a lighthouse', size: '1K' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('2');
    });
  },
);
