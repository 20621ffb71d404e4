import { pino } from 'pino';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createModelArkProvider } from '../../../src/providers/modelark/provider.ts';

// Opt-in: spends one real Seedream 4.0 image (about $0.03) on the account of ARK_API_KEY.
const apiKey = process.env.ARK_API_KEY;
const enabled = Boolean(apiKey) && process.env.GOODTAKE_LIVE_TESTS === '1';
const liveIt = enabled ? it : it.skip;
const title = enabled
  ? 'generates one small image on the real upstream'
  : 'generates one small image on the real upstream (skipped: set ARK_API_KEY and GOODTAKE_LIVE_TESTS=1; optional ARK_BASE_URL)';

describe('ModelArk live', () => {
  liveIt(
    title,
    async () => {
      const provider = createModelArkProvider({
        apiKey: apiKey ?? '',
        ...(process.env.ARK_BASE_URL ? { baseUrl: process.env.ARK_BASE_URL } : {}),
        maxRetries: 1,
        log: pino({ level: process.env.LOG_LEVEL ?? 'info' }),
      });
      console.log(`live test against ${provider.describe()}`);
      const outcome = await provider.generate({
        model: 'seedream-4-0-250828',
        prompt: 'a small square icon of a green leaf on a white background',
        size: { kind: 'auto', tier: '1K' },
        mode: 'standard',
        index: 0,
        sources: [],
        signal: AbortSignal.timeout(280_000),
      });
      if (!outcome.ok) throw new Error(`${outcome.failure.kind}: ${outcome.failure.message}`);
      const meta = await sharp(outcome.image.bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect((meta.width ?? 0) * (meta.height ?? 0)).toBeGreaterThan(500_000);
    },
    300_000,
  );
});
