import { z } from 'zod';
import { intFrom, optionalString, optionalUrl } from '../../settings/env-fields.ts';
import {
  type QueueSettings,
  queueAdapterOptions,
  queueSettingFields,
  queueSettings,
} from '../kit/queue-settings.ts';
import { type ProviderPlugin, sizeOverLimits } from '../plugin.ts';
import { REPLICATE_MODELS, REPLICATE_PROFILES } from './models.ts';

/** The REPLICATE_* settings (README configuration table). */
export interface ReplicateSettings extends QueueSettings {
  readonly apiToken: string;
  readonly baseUrl: string | undefined;
  readonly preferWaitSeconds: number;
}

const settingsSchema = z
  .object({
    REPLICATE_API_TOKEN: optionalString,
    REPLICATE_BASE_URL: optionalUrl('REPLICATE_BASE_URL'),
    REPLICATE_PREFER_WAIT_SECONDS: intFrom('REPLICATE_PREFER_WAIT_SECONDS', 60, 0),
    ...queueSettingFields('REPLICATE', 600),
  })
  .transform((e): ReplicateSettings | undefined =>
    e.REPLICATE_API_TOKEN === undefined
      ? undefined
      : {
          apiToken: e.REPLICATE_API_TOKEN,
          baseUrl: e.REPLICATE_BASE_URL,
          preferWaitSeconds: e.REPLICATE_PREFER_WAIT_SECONDS,
          ...queueSettings('REPLICATE', e),
        },
  );

/** Replicate's predictions API (docs/providers.md). */
export const replicatePlugin: ProviderPlugin<ReplicateSettings> = {
  id: 'replicate',
  name: 'Replicate',
  settingsSchema,
  credentialVariable: 'REPLICATE_API_TOKEN',
  defaultUpstreamModel: (profile) => REPLICATE_MODELS[profile],
  // Replicate's per-image prices for the official models (docs/providers.md; estimates).
  costPerImageUsd: { 'seedream-4-5-251128': 0.04, 'seedream-4-0-250828': 0.03 },
  sizeProblem: (profile, size) =>
    sizeOverLimits(size, REPLICATE_PROFILES[profile].limits, 'Replicate'),
  async create(s, context) {
    const { createReplicateProvider } = await import('./provider.ts');
    // Replicate's limit is per account: one guard for every model.
    return createReplicateProvider({
      apiToken: s.apiToken,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      preferWaitSeconds: s.preferWaitSeconds,
      ...queueAdapterOptions(s, context),
    });
  },
};
