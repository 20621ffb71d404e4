import { z } from 'zod';
import { boolFrom, intFrom } from '../../settings/env-fields.ts';
import { type ProviderPlugin, sizeOverLimits } from '../plugin.ts';

/** The GOODTAKE_OFFLINE_* settings. */
export interface OfflineSettings {
  readonly delayMs: number;
  /** Honour the `[[offline:...]]` prompt markers (tests only; never on a real server). */
  readonly testMarkers: boolean;
}

const settingsSchema = z
  .object({
    GOODTAKE_OFFLINE_DELAY_MS: intFrom('GOODTAKE_OFFLINE_DELAY_MS', 0, 0),
    GOODTAKE_OFFLINE_TEST_MARKERS: boolFrom('GOODTAKE_OFFLINE_TEST_MARKERS', false),
  })
  .transform(
    (e): OfflineSettings => ({
      delayMs: e.GOODTAKE_OFFLINE_DELAY_MS,
      testMarkers: e.GOODTAKE_OFFLINE_TEST_MARKERS,
    }),
  );

/**
 * The local provider that draws synthetic pictures: needs no credentials, so it is always
 * available; the default catalog routes to it only when no upstream has credentials.
 */
export const offlinePlugin: ProviderPlugin<OfflineSettings> = {
  id: 'offline',
  name: 'offline (synthetic images)',
  settingsSchema,
  credentialVariable: undefined,
  defaultUpstreamModel: (profile) => profile,
  costPerImageUsd: { 'seedream-4-5-251128': 0, 'seedream-4-0-250828': 0 },
  sizeProblem: (_profile, size) =>
    sizeOverLimits(size, { maxSide: 8192, maxPixels: 16_777_216, maxAspect: 16 }, 'offline'),
  startupWarning:
    'OFFLINE PROVIDER ACTIVE: images are synthetic, drawn locally; no Seedream model is called. Set an upstream key (ARK_API_KEY, FAL_KEY or REPLICATE_API_TOKEN) to use a real model.',
  async create(s) {
    const { createOfflineProvider } = await import('./offline-provider.ts');
    return createOfflineProvider({ delayMs: s.delayMs, testMarkers: s.testMarkers });
  },
};
